// How the dashboard words things: durations, firmware, the failing check of a node.
import type { NodeEvent, NodeRecord } from "../../inventory/index.js";

/** "42s", "5m", "3h", "2d". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** "UEFI, iPXE" / "BIOS" / "-". */
export function firmwareText(node: NodeRecord): string {
  const fw = node.firmware;
  if (!fw) return "-";
  const mode = fw.mode === "unknown" ? "?" : fw.mode.toUpperCase();
  return [mode, fw.httpBoot ? "HTTP boot" : "", fw.ipxe ? "iPXE" : ""].filter(Boolean).join(", ");
}

/** Why a node is not ready: its failure, or its first failing check. */
export function failingCheck(node: NodeRecord): string | undefined {
  if (node.failure) return node.failure.check ? `${node.failure.check}: ${node.failure.reason}` : node.failure.reason;
  const checks = (node.facts as { checks?: Record<string, { ok: boolean; detail: string }> }).checks;
  if (!checks || node.state === "ready") return undefined;
  const failed = Object.entries(checks).find(([, c]) => !c.ok);
  return failed ? `${failed[0]}: ${failed[1].detail}` : undefined;
}

/** Events with the time since the previous one, for the timeline. */
export function timeline(events: readonly NodeEvent[]): { event: NodeEvent; after?: number }[] {
  return events.map((event, i) => (i === 0 ? { event } : { event, after: event.time - events[i - 1]!.time }));
}
