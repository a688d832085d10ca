// `lab status`: the lab's nodes as the master's inventory sees them (read from the state dir's
// SQLite file, which WAL lets us read while the master writes), whether each QEMU and the master
// still run, and where the master is.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInventory, type NodeRecord } from "../inventory/index.js";
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
  readonly qemu: { readonly pid?: number; readonly running: boolean };
  readonly serialLog: string;
}

/** The whole `lab status`. */
export interface LabStatus {
  readonly up: boolean;
  readonly dir: string;
  readonly namespace?: string;
  readonly namespaceExists?: boolean;
  readonly master?: { readonly url: string; readonly pid?: number; readonly running: boolean; readonly log: string; readonly stateDir: string; readonly config: string };
  readonly nodes: readonly LabNodeStatus[];
}

/** Reads the lab's state, its inventory and its processes. */
export async function labStatus(dir: string): Promise<LabStatus> {
  const state = await readLabState(join(dir, "lab.json"));
  if (!state) return { up: false, dir, nodes: [] };
  const records = readInventory(join(state.stateDir, "inventory.db"));
  const byMac = (mac: string) => records.find((r) => r.macs.includes(mac));
  const nodes = await Promise.all(state.nodes.map(async (n): Promise<LabNodeStatus> => {
    const record = byMac(n.mac);
    return {
      name: n.name, mac: n.mac, ip: n.ip, firmware: n.firmware, ...(n.accel ? { accel: n.accel } : {}),
      state: record?.state ?? "unknown",
      ...(record ? { stateSince: record.stateSince } : {}),
      ...(record?.failure ? { failure: record.failure.reason } : {}),
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
    },
    nodes,
  };
}

function readInventory(path: string): NodeRecord[] {
  // createInventory would create an empty database where the master has not made one yet.
  if (!existsSync(path)) return [];
  const inventory = createInventory({ path });
  try {
    return inventory.list();
  } finally {
    inventory.close();
  }
}
