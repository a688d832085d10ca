// What the agent tells the master about its node: hardware, NICs, KVM, libvirt, the bridge.
// Reads /proc and /sys under an injected root, and asks virsh through an injected runner.
import { constants } from "node:fs";
import { access, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Runs a command (argv, no shell) and returns stdout, or throws. */
export type Runner = (argv: readonly string[]) => Promise<string>;

/** A NIC as the master shows it. */
export interface Nic {
  readonly name: string;
  readonly mac: string;
  readonly up: boolean;
  readonly master?: string;
}

/** Everything a heartbeat carries. */
export interface Facts {
  readonly hostname: string;
  readonly cpu: { readonly model: string; readonly count: number; readonly vmx: boolean };
  readonly memoryMiB: number;
  readonly disks: readonly { readonly name: string; readonly sizeGiB: number }[];
  readonly nics: readonly Nic[];
  readonly kvm: { readonly present: boolean; readonly usable: boolean };
  readonly libvirt: { readonly version?: string; readonly domains?: number; readonly error?: string };
  readonly bridge: { readonly name: string; readonly exists: boolean; readonly up: boolean; readonly address?: string };
}

const read = (path: string) => readFile(path, "utf8").then((t) => t.trim(), () => undefined);

/** Where the facts come from; tests point root at a fake tree. */
export interface FactSources {
  readonly root: string;
  readonly run: Runner;
  readonly hostname: () => string;
  /** IPv4 addresses by interface name (os.networkInterfaces shape, reduced). */
  readonly addresses: () => Record<string, string[]>;
}

/** Collects the node's facts. */
export async function collectFacts(sources: FactSources, bridgeName: string): Promise<Facts> {
  const { root } = sources;
  const cpuinfo = (await read(join(root, "proc/cpuinfo"))) ?? "";
  const meminfo = (await read(join(root, "proc/meminfo"))) ?? "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const count = cpuinfo.split("\n").filter((l) => /^processor\s*:/.test(l)).length;
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);

  const blockDir = join(root, "sys/block");
  const disks: { name: string; sizeGiB: number }[] = [];
  for (const name of await readdir(blockDir).catch(() => [] as string[])) {
    if (/^(loop|ram|sr|zram|dm-)/.test(name)) continue;
    const sectors = Number((await read(join(blockDir, name, "size"))) ?? 0);
    disks.push({ name, sizeGiB: Math.round((sectors * 512) / 2 ** 30) });
  }

  const netDir = join(root, "sys/class/net");
  const nics: Nic[] = [];
  for (const name of await readdir(netDir).catch(() => [] as string[])) {
    if (name === "lo") continue;
    const mac = (await read(join(netDir, name, "address"))) ?? "";
    const oper = await read(join(netDir, name, "operstate"));
    const masterLink = await read(join(netDir, name, "master/uevent"));
    const masterName = /INTERFACE=(\S+)/.exec(masterLink ?? "")?.[1];
    nics.push({ name, mac, up: oper === "up", ...(masterName ? { master: masterName } : {}) });
  }

  const kvmPath = join(root, "dev/kvm");
  const present = await access(kvmPath, constants.F_OK).then(() => true, () => false);
  const usable = present && (await access(kvmPath, constants.R_OK | constants.W_OK).then(() => true, () => false));

  let libvirt: Facts["libvirt"];
  try {
    const version = /Using library: libvirt ([\d.]+)/.exec(await sources.run(["virsh", "-c", "qemu:///system", "version"]))?.[1];
    const names = (await sources.run(["virsh", "-c", "qemu:///system", "list", "--all", "--name"])).split("\n").filter((l) => l.trim());
    libvirt = { version: version ?? "unknown", domains: names.length };
  } catch (err) {
    libvirt = { error: (err as Error).message.split("\n")[0] ?? "virsh failed" };
  }

  const bridgeDir = join(netDir, bridgeName);
  const exists = await access(join(bridgeDir, "bridge"), constants.F_OK).then(() => true, () => false);
  const address = sources.addresses()[bridgeName]?.[0];
  const bridge = { name: bridgeName, exists, up: (await read(join(bridgeDir, "operstate"))) === "up", ...(address ? { address } : {}) };

  return {
    hostname: sources.hostname(),
    cpu: { model, count, vmx: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) },
    memoryMiB: Math.round(memKiB / 1024),
    disks, nics, kvm: { present, usable }, libvirt, bridge,
  };
}
