// Checks before the master binds anything: each failure is one line with the fix.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";
import type { Cluster } from "../model/cluster.js";

/** The master cannot start; the message says why and how to fix it. */
export class MasterStartError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MasterStartError";
  }
}

/** What preflight looks at; tests inject both. */
export interface PreflightProbes {
  /** Where interfaces are listed (default /sys/class/net). */
  readonly sysClassNet?: string;
  /** True when the address is local to this host (default: `hasLocalAddress`). */
  readonly hasAddress?: (address: string) => Promise<boolean>;
}

/**
 * True when `address` is configured on one of this host's interfaces. os.networkInterfaces()
 * alone is not enough: libuv leaves out interfaces without IFF_RUNNING, so a bridge whose ports
 * have no link yet (a lab bridge before its first VM starts, a rack switch still booting) looks
 * bare. `ip -j addr` lists every address whatever the link state. (Binding a socket would not
 * do: the whole of 127.0.0.0/8 binds, configured or not.)
 */
export async function hasLocalAddress(address: string): Promise<boolean> {
  if (Object.values(networkInterfaces()).flat().some((a) => a?.family === "IPv4" && a.address === address)) return true;
  try {
    const { stdout } = await promisify(execFile)("ip", ["-j", "-4", "addr", "show"], { timeout: 5_000 });
    const links = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
    return links.some((link) => link.addr_info?.some((a) => a.local === address));
  } catch {
    return false; // no iproute2: what libuv listed is all we know
  }
}

/** Throws MasterStartError when the provisioning interface or the master's address is missing. */
export async function preflight(cluster: Cluster, probes: PreflightProbes = {}): Promise<void> {
  const { interface: iface, address } = cluster.config.master;
  const sysClassNet = probes.sysClassNet ?? "/sys/class/net";
  if (!existsSync(`${sysClassNet}/${iface}`)) {
    const present = existsSync(sysClassNet) ? readdirSync(sysClassNet).join(", ") : "none";
    throw new MasterStartError("NO_INTERFACE", `interface ${iface} (master.interface) does not exist here; set it to one of: ${present}`);
  }
  if (!(await (probes.hasAddress ?? hasLocalAddress)(address))) {
    const prefix = cluster.config.network.subnet.split("/")[1];
    throw new MasterStartError("NO_ADDRESS", `address ${address} (master.address) is on no interface; add it: ip addr add ${address}/${prefix} dev ${iface}`);
  }
}

/** A bind error turned into a one-line reason with the fix. */
export function bindError(err: unknown, what: string, port: number, key: string): MasterStartError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (code === "EADDRINUSE")
    return new MasterStartError("PORT_IN_USE", `${what} port ${port} is in use (see \`ss -lnp 'sport = :${port}'\`); stop that server or set ${key}`, { cause: err });
  if (code === "EACCES")
    return new MasterStartError("PORT_DENIED", `${what} port ${port} needs root (or CAP_NET_BIND_SERVICE); run as root or set ${key} above 1023`, { cause: err });
  if (code === "EADDRNOTAVAIL")
    return new MasterStartError("NO_ADDRESS", `${what} cannot bind: the address is on no interface here`, { cause: err });
  return new MasterStartError("BIND_FAILED", `${what} port ${port}: ${(err as Error).message}`, { cause: err });
}
