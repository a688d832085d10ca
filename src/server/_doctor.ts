// `maekin doctor`'s checks: each says ok or what is missing and the command that fixes it.
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { createAssetCatalog } from "../assets/index.js";
import type { Cluster } from "../model/cluster.js";
import { preflight } from "./_preflight.js";

/** One line of the doctor's report. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** The command that fixes it, when one does. */
  readonly fix?: string;
  /** Debian package to install, collected into one apt-get line. */
  readonly pkg?: string;
}

const TOOLS = [
  { cmd: "xorriso", pkg: "xorriso", why: "maekin iso build" },
  { cmd: "qemu-system-x86_64", pkg: "qemu-system-x86", why: "maekin lab" },
];

async function udpFree(port: number): Promise<boolean> {
  const socket = createSocket({ type: "udp4", reuseAddr: false });
  return new Promise((resolve) => {
    socket.once("error", () => { socket.close(); resolve(false); });
    socket.bind(port, "0.0.0.0", () => socket.close(() => resolve(true)));
  });
}

async function tcpFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

/** Runs every check; cluster is undefined when no valid config was found. */
export async function runChecks(options: { cluster?: Cluster; stateDir: string }): Promise<Check[]> {
  const checks: Check[] = [];
  const { cluster } = options;
  if (cluster) {
    try {
      await preflight(cluster);
      checks.push({ name: "network", ok: true, detail: `${cluster.config.master.interface} has ${cluster.masterAddress}` });
    } catch (err) {
      checks.push({ name: "network", ok: false, detail: (err as Error).message });
    }
    const m = cluster.config.master;
    const udp = cluster.config.network.dhcp.mode === "off" ? [] : [{ port: m.dhcp.port, what: "DHCP" }];
    if (cluster.config.network.dhcp.mode === "proxy") udp.push({ port: m.dhcp.proxyPort, what: "proxyDHCP" });
    udp.push({ port: m.tftp.port, what: "TFTP" });
    for (const { port, what } of udp) {
      const free = await udpFree(port);
      checks.push({ name: `${what} port`, ok: free, detail: free ? `udp/${port} is free` : `udp/${port} is taken or needs root`, ...(free ? {} : { fix: `ss -ulpn 'sport = :${port}'` }) });
    }
    const free = await tcpFree(m.http.port);
    checks.push({ name: "HTTP port", ok: free, detail: free ? `tcp/${m.http.port} is free` : `tcp/${m.http.port} is taken`, ...(free ? {} : { fix: `ss -tlpn 'sport = :${m.http.port}'` }) });
  } else {
    checks.push({ name: "config", ok: false, detail: "no valid config: network and port checks skipped", fix: "maekin validate -c FILE" });
  }
  for (const tool of TOOLS) {
    const found = spawnSync("sh", ["-c", `command -v ${tool.cmd}`]).status === 0;
    checks.push({ name: tool.cmd, ok: found, detail: found ? "found" : `missing (needed by ${tool.why})`, ...(found ? {} : { pkg: tool.pkg }) });
  }
  const used = new Set(cluster ? [...cluster.profiles.values()].map((p) => p.os) : ["debian-12"]);
  for (const asset of await createAssetCatalog({ stateDir: options.stateDir }).report()) {
    const os = asset.name.split("/")[0]!;
    if (asset.name.includes("/") && !used.has(os as never)) continue;
    const pkg = /^apt-get install (\S+)$/.exec(asset.fix)?.[1];
    checks.push({
      name: `asset ${asset.name}`, ok: Boolean(asset.path), detail: asset.path ?? "missing",
      ...(asset.path ? {} : pkg ? { pkg } : { fix: asset.fix }),
    });
  }
  return checks;
}

/** The report as lines, ending with one apt-get line for every missing package. */
export function formatChecks(checks: readonly Check[]): string[] {
  const lines = checks.map((c) => `${c.ok ? "ok" : "FAIL"}  ${c.name}: ${c.detail}${c.fix ? `  (fix: ${c.fix})` : ""}`);
  const pkgs = [...new Set(checks.filter((c) => !c.ok && c.pkg).map((c) => c.pkg!))];
  if (pkgs.length > 0) lines.push(`fix: apt-get install ${pkgs.join(" ")}`);
  return lines;
}
