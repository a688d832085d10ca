// Boot storm: N simulated nodes against the maekin master, and against a peer stack of dnsmasq
// (DHCP + TFTP, --no-ping), nginx (1 worker, sendfile) and a minimal register endpoint.
// Both stacks start fresh per N and stay up over its rounds; every run uses new MACs, so every run
// enrolls N new machines. The client reports per-phase medians (what dominates a node's boot) and
// its own CPU seconds (busy near 100% of the makespan would mean the client is the bottleneck).
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { combine, makeAssets, startMasterWith, startNginx, startRegister } from "./_web.js";
import { startServer, tcpListenDrops, udpRcvbufErrors, type Server } from "./_proc.js";
import { which } from "./_peers.js";
import { figure, note, printFigure, type Figure } from "./_report.js";
import { MK, PEER, REPO, type BenchContext } from "./_topology.js";

interface StormResult {
  makespanS: number; ok: number; failures: number; p50S: number; p99S: number;
  phases?: Record<string, number>; clientCpuS?: number; firstError?: string;
}

async function startPeerStack(ctx: BenchContext, dir: string, assetsDir: string): Promise<Server | undefined> {
  const dnsmasq = await which("dnsmasq");
  if (!dnsmasq || !(await which("nginx"))) return undefined;
  await rm(dir, { recursive: true, force: true });
  const www = join(dir, "www");
  const tftp = join(dir, "tftp");
  await mkdir(join(www, "install", "peer"), { recursive: true });
  await mkdir(tftp, { recursive: true });
  await copyFile(join(assetsDir, "linux"), join(www, "linux"));
  await copyFile(join(assetsDir, "initrd.gz"), join(www, "initrd.gz"));
  await copyFile(join(assetsDir, "ipxe.efi"), join(tftp, "ipxe.efi"));
  const base = `http://${PEER.server}:8080`;
  await writeFile(join(www, "boot.ipxe"), `#!ipxe\nkernel ${base}/linux initrd=initrd.gz auto=true priority=critical url=${base}/install/peer/preseed.cfg\ninitrd --name initrd.gz ${base}/initrd.gz\nboot\n`);
  await writeFile(join(www, "install", "peer", "preseed.cfg"), "d-i debian-installer/locale string en_US.UTF-8\n".repeat(80));
  const register = await startRegister(ctx);
  const nginx = await startNginx(ctx, join(dir, "nginx"), www);
  const dhcp = await startServer(ctx.net, ctx.peer, "dnsmasq", [dnsmasq, "-k", "--conf-file=/dev/null", "--port=0", "--no-ping", "--dhcp-authoritative", "--user=root",
    `--pid-file=${join(dir, "dnsmasq.pid")}`, "--log-facility=/dev/null", "--interface=br-prov", `--dhcp-leasefile=${join(dir, "dnsmasq.leases")}`,
    "--dhcp-lease-max=400000", `--dhcp-range=${PEER.pool[0]},${PEER.pool[1]},255.240.0.0,1h`, "--enable-tftp", `--tftp-root=${tftp}`, "--tftp-max=4000",
    "--dhcp-userclass=set:ipxe,iPXE", `--dhcp-boot=tag:ipxe,${base}/boot.ipxe`, `--dhcp-boot=tag:!ipxe,ipxe.efi,,${PEER.server}`], { proto: "udp", port: 67 });
  return combine("dnsmasq+nginx+register", [dhcp, ...(nginx ? [nginx] : []), register]);
}

/** Runs the boot-storm figures. */
export async function benchStorm(ctx: BenchContext): Promise<Figure[]> {
  // BENCH_STORM_N=250,1000 picks the node counts (to rerun one size without the others).
  // BENCH_STORM_WINDOWSIZE: the TFTP windowsize the simulated firmware asks for; 4 is what OVMF
  // asks (captured), 1 asks for none (lock-step, as BIOS PXE ROMs do).
  const windowsize = Number(process.env.BENCH_STORM_WINDOWSIZE ?? 4);
  if (!Number.isInteger(windowsize) || windowsize < 1 || windowsize > 65535) {
    throw new Error(`BENCH_STORM_WINDOWSIZE=${process.env.BENCH_STORM_WINDOWSIZE}: a TFTP windowsize is a whole number from 1 to 65535`);
  }
  const sizes = process.env.BENCH_STORM_N?.split(",").map(Number).filter((x) => x > 0) ?? (ctx.quick ? [25] : [50, 250, 1000]);
  // Scaled-down installer files: N = 1000 moves 5 GB instead of 48 GB, so a run stays within minutes.
  const assetsDir = join(ctx.tmp, "storm-assets");
  const assets = await makeAssets(assetsDir, { kernel: 1_000_000, initrd: 4_000_000 });
  await copyFile(existsSync("/usr/lib/ipxe/ipxe.efi") ? "/usr/lib/ipxe/ipxe.efi" : assets.kernel, join(assetsDir, "ipxe.efi"));
  const figs: Figure[] = [];
  let macStart = 1;
  let header = true;
  for (const n of sizes) {
    const fig = figure({ bench: "storm", name: `boot storm N=${n} makespan`, unit: "s", better: "lower", peer: "dnsmasq+nginx", goal: 1.0 });
    const master = (await startMasterWith(ctx, join(ctx.tmp, `storm-state-${n}`), assets)).server;
    const peer = await startPeerStack(ctx, join(ctx.tmp, `storm-peer-${n}`), assetsDir);
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const side of round % 2 === 0 ? ["maekin", "peer"] as const : ["peer", "maekin"] as const) {
          const server = side === "maekin" ? master : peer;
          if (!server) continue;
          const cpu0 = server.cpu();
          const target = side === "maekin" ? MK : PEER;
          const ns = side === "maekin" ? ctx.mk : ctx.peer;
          const drops0 = await udpRcvbufErrors(ctx.net, ns);
          const listenDrops0 = await tcpListenDrops(ctx.net, ns);
          let r: StormResult = { makespanS: Number.NaN, ok: 0, failures: n, p50S: Number.NaN, p99S: Number.NaN };
          try {
            const out = await ctx.net.exec(ctx.cli, [process.execPath, "--import", "tsx", join(REPO, "bench/clients/storm.ts"),
              JSON.stringify({ server: target.server, giaddr: target.client, nodes: n, macStart, windowsize })], 660_000);
            r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as StormResult;
          } catch (err) {
            console.log(`    storm ${side} N=${n} round ${round} failed: ${(err as Error).message.split("\n")[0]}`);
          }
          macStart += 100_000;
          if (r.firstError) console.log(`    storm ${side} N=${n}: ${r.failures} failed, first: ${r.firstError}`);
          const cpu = server.cpu() - cpu0;
          if (side === "maekin") {
            fig.maekin.push(r.failures ? Number.NaN : r.makespanS); fig.maekinCpu.push(cpu); fig.maekinFailures += r.failures;
            fig.maekinRssMb = Math.max(fig.maekinRssMb, server.peakRssMb());
          } else {
            fig.peerValues.push(r.failures ? Number.NaN : r.makespanS); fig.peerCpu.push(cpu); fig.peerFailures += r.failures;
            fig.peerRssMb = Math.max(fig.peerRssMb, server.peakRssMb());
          }
          note(fig, `${side}.nodeP99S`, r.p99S);
          // Datagrams the server's sockets had no room for (each costs a node a retransmission).
          note(fig, `${side}.udpDrops`, (await udpRcvbufErrors(ctx.net, ns)) - drops0);
          note(fig, `${side}.listenDrops`, (await tcpListenDrops(ctx.net, ns)) - listenDrops0);
          note(fig, `${side}.clientBusy`, (r.clientCpuS ?? Number.NaN) / r.makespanS);
          for (const [phase, s50] of Object.entries(r.phases ?? {})) note(fig, `${side}.${phase}P50S`, s50);
        }
      }
    } finally {
      await master.stop();
      await peer?.stop();
    }
    figs.push(fig);
    printFigure(fig, header);
    header = false;
    if (n === 1000) console.log(`    master peak RSS at N=1000: ${fig.maekinRssMb.toFixed(0)} MB (goal < 200 MB)`);
  }
  return figs;
}
