// The HTTP side of the benches: maekin's master with assets, and nginx (1 worker, sendfile)
// serving the same files, with /api/ proxied to a minimal register endpoint.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startServer, type Server } from "./_proc.js";
import { which } from "./_peers.js";
import { benchMasterConfig } from "./servers/master-config.js";
import { MK, PEER, REPO, type BenchContext } from "./_topology.js";

const DI = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";

/** Files every server gets: name under /assets (maekin) or / (nginx), and where the bytes come from. */
export interface Assets { kernel: string; initrd: string; kernelSize: number; initrdSize: number }

/** Makes the kernel and initrd: Debian's netboot files when `real` and installed, else random ones of the given sizes. */
export async function makeAssets(dir: string, sizes: { kernel: number; initrd: number } | "real"): Promise<Assets> {
  await mkdir(dir, { recursive: true });
  const kernel = join(dir, "linux");
  const initrd = join(dir, "initrd.gz");
  if (sizes === "real" && existsSync(join(DI, "linux")) && existsSync(join(DI, "initrd.gz"))) {
    await copyFile(join(DI, "linux"), kernel);
    await copyFile(join(DI, "initrd.gz"), initrd);
  } else {
    const s = sizes === "real" ? { kernel: 8_222_656, initrd: 40_810_276 } : sizes;
    await writeFile(kernel, randomBytes(s.kernel));
    await writeFile(initrd, randomBytes(s.initrd));
  }
  const { statSync } = await import("node:fs");
  return { kernel, initrd, kernelSize: statSync(kernel).size, initrdSize: statSync(initrd).size };
}

/**
 * Starts the master as operators run it, the compiled `maekin serve` (run `npm run build` first),
 * with the assets imported into its state dir (assets/debian-12/...); resolves with its admin token.
 * BENCH_MASTER_PROF=DIR adds `--cpu-prof` (a .cpuprofile per master in DIR, written at stop);
 * BENCH_MASTER_FLAGS="--flag ..." adds node flags (to try V8 settings).
 */
export async function startMasterWith(ctx: BenchContext, stateDir: string, assets: Assets): Promise<{ server: Server; adminToken: string }> {
  await mkdir(join(stateDir, "assets", "debian-12"), { recursive: true, mode: 0o700 });
  await copyFile(assets.kernel, join(stateDir, "assets", "debian-12", "linux"));
  await copyFile(assets.initrd, join(stateDir, "assets", "debian-12", "initrd.gz"));
  if (existsSync("/usr/lib/ipxe/ipxe.efi")) await copyFile("/usr/lib/ipxe/ipxe.efi", join(stateDir, "assets", "ipxe.efi"));
  else await writeFile(join(stateDir, "assets", "ipxe.efi"), randomBytes(1_000_000));
  const config = `${stateDir}.yaml`;
  await writeFile(config, benchMasterConfig());
  const bin = join(REPO, "bin", "maekin.js");
  if (!existsSync(join(REPO, "dist", "cli", "main.js"))) throw new Error("the bench runs the compiled master: npm run build first");
  const prof = [...(process.env.BENCH_MASTER_FLAGS?.split(" ").filter(Boolean) ?? []),
    ...(process.env.BENCH_MASTER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_MASTER_PROF}`] : [])];
  const server = await startServer(ctx.net, ctx.mk, "maekin-master", [process.execPath, ...prof, bin, "serve", "-c", config, "--state-dir", stateDir],
    { line: /maekin master is serving/ }, REPO);
  const adminToken = (await readFile(join(stateDir, "admin.token"), "utf8")).trim();
  return { server, adminToken };
}

/** Starts nginx (1 worker, sendfile) on PEER:8080 over `www`, proxying /api/ to 127.0.0.1:8081; undefined when not installed. */
export async function startNginx(ctx: BenchContext, dir: string, www: string): Promise<Server | undefined> {
  const bin = await which("nginx");
  if (!bin) return undefined;
  await mkdir(dir, { recursive: true });
  const conf = `worker_processes 1; daemon off; master_process on; pid ${dir}/nginx.pid; error_log ${dir}/error.log error; user root;
events { worker_connections 8192; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 65;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  upstream register { server 127.0.0.1:8081; keepalive 64; }
  server {
    listen ${PEER.server}:8080 backlog=4096; root ${www};
    location /api/ { proxy_pass http://register; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  await writeFile(join(dir, "nginx.conf"), conf);
  return startServer(ctx.net, ctx.peer, "nginx", [bin, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { proto: "tcp", port: 8080 });
}

/** Starts the peer's register endpoint (for nginx to proxy to). */
export function startRegister(ctx: BenchContext): Promise<Server> {
  return startServer(ctx.net, ctx.peer, "register", [process.execPath, "--import", "tsx", join(REPO, "bench/servers/register.ts"), "8081"], { line: /ready/ }, REPO);
}

/** Sums servers into one for CPU and RSS (the peer stack of the boot storm). */
export function combine(name: string, servers: readonly Server[]): Server {
  const first = servers[0]!;
  return {
    name, child: first.child,
    cpu: () => servers.reduce((s, x) => s + x.cpu(), 0),
    peakRssMb: () => servers.reduce((s, x) => s + x.peakRssMb(), 0),
    output: () => servers.map((s) => s.output()).join("\n"),
    stop: async () => { for (const s of servers) await s.stop(); },
  };
}

export { MK, PEER };
