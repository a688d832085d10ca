// Checks before the master binds anything: each failure is one line with the fix.
import { existsSync, readdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { Cluster } from "../model/cluster.js";

/** The master cannot start; the message says why and how to fix it. */
export class MasterStartError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MasterStartError";
  }
}

/** Throws MasterStartError when the provisioning interface or the master's address is missing. */
export function preflight(cluster: Cluster, sysClassNet = "/sys/class/net"): void {
  const { interface: iface, address } = cluster.config.master;
  if (!existsSync(`${sysClassNet}/${iface}`)) {
    const present = existsSync(sysClassNet) ? readdirSync(sysClassNet).join(", ") : "none";
    throw new MasterStartError("NO_INTERFACE", `interface ${iface} (master.interface) does not exist here; set it to one of: ${present}`);
  }
  const configured = Object.values(networkInterfaces()).flat().some((a) => a?.family === "IPv4" && a.address === address);
  if (!configured) {
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
