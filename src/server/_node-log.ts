// What installers say over syslog, per node: the recent lines in memory for the dashboard,
// and warnings and errors as durable events (every line durably would fsync thousands of times).
import type { Inventory } from "../inventory/index.js";
import { severityName, type SyslogMessage } from "../net/syslog/index.js";

/** Lines kept per node. */
const KEEP = 500;
/** Severities at or below this (warning) become events. */
const EVENT_SEVERITY = 4;

/** One installer log line. */
export interface LogLine {
  readonly time: number;
  readonly severity: string;
  readonly program?: string;
  readonly text: string;
}

/** The per-node installer log. */
export interface NodeLog {
  /** Receives a syslog message from an address (the syslog server's callback). */
  readonly syslog: (from: string, message: SyslogMessage) => void;
  /** The recent lines of a node. */
  lines(name: string): readonly LogLine[];
}

/** Creates the log over the inventory (senders are matched to nodes by address). */
export function createNodeLog(inventory: Inventory, now: () => number = Date.now): NodeLog {
  const lines = new Map<string, LogLine[]>();
  let byIp = new Map<string, { id: number; name: string }>();
  let refreshed = 0;
  // Refreshed at most once a second: a sender the inventory does not know (an enrolled machine
  // before registration) must not cost a full node list per syslog line.
  const nodeAt = (ip: string) => {
    const age = now() - refreshed;
    if (age > 5000 || (!byIp.has(ip) && age > 1000)) {
      byIp = new Map(inventory.list().filter((n) => n.ip).map((n) => [n.ip!, { id: n.id, name: n.name }]));
      refreshed = now();
    }
    return byIp.get(ip);
  };
  return {
    syslog(from, message) {
      const node = nodeAt(from);
      const key = node?.name ?? from;
      const line: LogLine = { time: now(), severity: severityName(message.severity), ...(message.program ? { program: message.program } : {}), text: message.text };
      const list = lines.get(key) ?? [];
      list.push(line);
      if (list.length > KEEP) list.splice(0, list.length - KEEP);
      lines.set(key, list);
      if (node && message.severity <= EVENT_SEVERITY) {
        inventory.appendEvent(node.id, { type: "installer.log", message: `${message.program ? `${message.program}: ` : ""}${message.text}`, data: { severity: line.severity } });
      }
    },
    lines: (name) => lines.get(name) ?? [],
  };
}
