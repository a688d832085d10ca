// The lab's layout, decided before anything runs: namespace, bridge, the master's address, and
// for each node its name, MAC, address, tap, firmware and files. Pure: no I/O.
import { join } from "node:path";

/** Firmware for the lab's nodes: all SeaBIOS, all OVMF, or alternating (odd nodes BIOS, even UEFI). */
export type LabFirmware = "bios" | "uefi" | "mixed";

/** The lab's namespace when --name is not given. */
export const DEFAULT_LAB_NAME = "maekin-lab";
/** Most nodes a lab plans: node NN gets 10.77.0.(10+NN), below the DHCP pool at .100. */
export const MAX_LAB_NODES = 89;
/** Bridge, addresses and port of the lab network (the shared example's shape). */
export const LAB_NETWORK = {
  bridge: "br-prov",
  masterAddress: "10.77.0.1",
  prefix: 24,
  subnet: "10.77.0.0/24",
  pool: "10.77.0.100-10.77.0.199",
  httpPort: 8080,
} as const;

/** One QEMU node of the lab. */
export interface LabNodePlan {
  readonly name: string;
  readonly mac: string;
  readonly ip: string;
  /** Tap device inside the namespace, enslaved to the bridge. */
  readonly tap: string;
  readonly firmware: "bios" | "uefi";
  readonly disk: string;
  readonly serialLog: string;
  /** QEMU's own stdout and stderr. */
  readonly qemuLog: string;
  /** This node's OVMF variable store (UEFI nodes). */
  readonly ovmfVars?: string;
}

/** Everything `lab up` makes, with the paths of every file it writes. */
export interface LabPlan {
  readonly namespace: string;
  readonly bridge: string;
  /** The master's address with prefix, on the bridge. */
  readonly masterCidr: string;
  readonly masterUrl: string;
  readonly dir: string;
  readonly config: string;
  readonly stateDir: string;
  readonly masterLog: string;
  readonly stateFile: string;
  readonly nodes: readonly LabNodePlan[];
}

/** What a lab is planned from. */
export interface LabPlanOptions {
  readonly dir: string;
  readonly nodes: number;
  readonly firmware: LabFirmware;
  readonly name?: string;
  /** A config given with -c: the lab uses it instead of writing one into dir. */
  readonly config?: string;
  /** Bridge and address from that config (default LAB_NETWORK's). */
  readonly network?: { readonly bridge: string; readonly masterCidr: string; readonly masterUrl: string };
}

/** A lab planning mistake (bad count, name or firmware), with the fix in its message. */
export class LabPlanError extends Error {
  readonly code = "LAB_PLAN";
  constructor(message: string) {
    super(message);
    this.name = "LabPlanError";
  }
}

const two = (n: number) => String(n).padStart(2, "0");

/** Name, MAC and address of lab node n (1-based): node01, 52:54:00:00:00:01, 10.77.0.11. */
export function labNode(n: number): { name: string; mac: string; ip: string } {
  if (!Number.isInteger(n) || n < 1 || n > MAX_LAB_NODES) throw new LabPlanError(`node number ${n} is outside 1..${MAX_LAB_NODES}`);
  // The MAC's last byte spells the node number in decimal digits, so node12 is ...:00:12.
  return { name: `node${two(n)}`, mac: `52:54:00:00:00:${two(n)}`, ip: `10.77.0.${10 + n}` };
}

/** The firmware node n boots with. */
export function nodeFirmware(firmware: LabFirmware, n: number): "bios" | "uefi" {
  return firmware === "mixed" ? (n % 2 === 1 ? "bios" : "uefi") : firmware;
}

/** Checks a namespace name: it becomes a file in /run/netns and part of log lines. */
export function checkLabName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(name)) {
    throw new LabPlanError(`"${name}" is not a usable lab name; use up to 40 letters, digits, ".", "_" or "-"`);
  }
  return name;
}

/** Parses --nodes. */
export function parseNodeCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LAB_NODES) throw new LabPlanError(`--nodes must be a whole number from 1 to ${MAX_LAB_NODES}, not "${text}"`);
  return n;
}

/** Parses --firmware. */
export function parseLabFirmware(text: string): LabFirmware {
  if (text === "bios" || text === "uefi" || text === "mixed") return text;
  throw new LabPlanError(`--firmware must be bios, uefi or mixed, not "${text}"`);
}

/** The whole lab: names, addresses, MACs and file paths for options.nodes nodes. */
export function planLab(options: LabPlanOptions): LabPlan {
  const { dir } = options;
  const network = options.network ?? {
    bridge: LAB_NETWORK.bridge,
    masterCidr: `${LAB_NETWORK.masterAddress}/${LAB_NETWORK.prefix}`,
    masterUrl: `http://${LAB_NETWORK.masterAddress}:${LAB_NETWORK.httpPort}`,
  };
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > MAX_LAB_NODES) {
    throw new LabPlanError(`a lab has 1 to ${MAX_LAB_NODES} nodes, not ${options.nodes}`);
  }
  const nodes = Array.from({ length: options.nodes }, (_, i): LabNodePlan => {
    const { name, mac, ip } = labNode(i + 1);
    const firmware = nodeFirmware(options.firmware, i + 1);
    return {
      name, mac, ip, firmware,
      tap: `tap-${name}`,
      disk: join(dir, `${name}.qcow2`),
      serialLog: join(dir, `${name}.serial.log`),
      qemuLog: join(dir, `${name}.qemu.log`),
      ...(firmware === "uefi" ? { ovmfVars: join(dir, `${name}.vars.fd`) } : {}),
    };
  });
  return {
    namespace: checkLabName(options.name ?? DEFAULT_LAB_NAME),
    bridge: network.bridge,
    masterCidr: network.masterCidr,
    masterUrl: network.masterUrl,
    dir,
    config: options.config ?? join(dir, "maekin.yaml"),
    stateDir: join(dir, "state"),
    masterLog: join(dir, "master.log"),
    stateFile: join(dir, "lab.json"),
    nodes,
  };
}

/** The files `lab down --purge` removes from a lab dir (never the dir itself, which may be the user's). */
export function isLabFile(name: string): boolean {
  return /^node\d{2}\.(qcow2|serial\.log|qemu\.log|vars\.fd)$/.test(name) || name === "master.log" || name === "lab.json";
}
