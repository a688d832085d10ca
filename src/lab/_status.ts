// `lab status`: the lab's nodes as the master's inventory sees them (read from the state dir's
// SQLite file, which WAL lets us read while the master writes), whether each QEMU and the master
// still run, and where the master is.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInventory, type NodeEvent, type NodeRecord } from "../inventory/index.js";
import { libvirtUri } from "../pki/index.js";
import { readLabState } from "./_state.js";
import { isRunning, listNamespaces, MASTER_MARKER, QEMU_MARKER } from "./_system.js";

/** One node in `lab status`. */
export interface LabNodeStatus {
  readonly name: string;
  readonly mac: string;
  readonly ip: string;
  readonly firmware: "bios" | "uefi";
  readonly accel?: "kvm" | "tcg";
  /** Inventory state, or "unknown" when the master has not seen the machine yet. */
  readonly state: string;
  /** ms since the epoch when it entered that state. */
  readonly stateSince?: number;
  readonly failure?: string;
  /** Every state the node entered, oldest first (ms since the epoch). */
  readonly timeline: readonly { readonly state: string; readonly at: number }[];
  /** When QEMU powered the node on (ms since the epoch). */
  readonly poweredOnAt?: number;
  readonly qemu: { readonly pid?: number; readonly running: boolean };
  readonly serialLog: string;
}

/** The whole `lab status`. */
export interface LabStatus {
  readonly up: boolean;
  readonly dir: string;
  readonly namespace?: string;
  readonly namespaceExists?: boolean;
  readonly master?: {
    readonly url: string; readonly pid?: number; readonly running: boolean; readonly log: string; readonly stateDir: string; readonly config: string;
    /** Run inside the namespace, reaches a registered node's libvirt over TLS (replace NODE). */
    readonly virsh: string;
  };
  readonly nodes: readonly LabNodeStatus[];
}

/** Reads the lab's state, its inventory and its processes. */
export async function labStatus(dir: string): Promise<LabStatus> {
  const state = await readLabState(join(dir, "lab.json"));
  if (!state) return { up: false, dir, nodes: [] };
  const { records, timelines } = readInventory(join(state.stateDir, "inventory.db"));
  const byMac = (mac: string) => records.find((r) => r.macs.includes(mac));
  const nodes = await Promise.all(state.nodes.map(async (n): Promise<LabNodeStatus> => {
    const record = byMac(n.mac);
    return {
      name: n.name, mac: n.mac, ip: n.ip, firmware: n.firmware, ...(n.accel ? { accel: n.accel } : {}),
      state: record?.state ?? "unknown",
      ...(record ? { stateSince: record.stateSince } : {}),
      ...(record?.failure ? { failure: record.failure.reason } : {}),
      timeline: record ? timelines.get(record.id) ?? [] : [],
      ...(n.startedAt ? { poweredOnAt: n.startedAt } : {}),
      qemu: { ...(n.pid ? { pid: n.pid } : {}), running: await isRunning(n.pid, QEMU_MARKER) },
      serialLog: n.serialLog,
    };
  }));
  const masterRunning = await isRunning(state.master.pid, MASTER_MARKER);
  return {
    up: true, dir, namespace: state.namespace, namespaceExists: (await listNamespaces()).includes(state.namespace),
    master: {
      url: state.masterUrl, ...(state.master.pid ? { pid: state.master.pid } : {}), running: masterRunning,
      log: state.master.log, stateDir: state.stateDir, config: state.config,
      virsh: `ip netns exec ${state.namespace} virsh -c '${libvirtUri(state.stateDir, "NODE")}' version`,
    },
    nodes,
  };
}

type Timeline = LabNodeStatus["timeline"];

function readInventory(path: string): { records: NodeRecord[]; timelines: Map<number, Timeline> } {
  // createInventory would create an empty database where the master has not made one yet.
  if (!existsSync(path)) return { records: [], timelines: new Map() };
  const inventory = createInventory({ path });
  try {
    const records = inventory.list();
    const allEvents = (id: number): NodeEvent[] => {
      const out: NodeEvent[] = [];
      for (let page = inventory.events(id, { limit: 1000 }); page.length > 0; page = inventory.events(id, { after: page.at(-1)!.id, limit: 1000 })) out.push(...page);
      return out;
    };
    return { records, timelines: new Map(records.map((r) => [r.id, stateTimeline(allEvents(r.id))])) };
  } finally {
    inventory.close();
  }
}

/** The states a node entered, from its "state" events ("installing -> installed: ..."). */
export function stateTimeline(events: readonly Pick<NodeEvent, "type" | "message" | "time">[]): Timeline {
  const out: { state: string; at: number }[] = [];
  for (const e of events) {
    const to = e.type === "state" ? /^\S+ -> (\S+?)(:|$)/.exec(e.message)?.[1] : undefined;
    if (to) out.push({ state: to, at: e.time });
  }
  return out.sort((a, b) => a.at - b.at);
}
