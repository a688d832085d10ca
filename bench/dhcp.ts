// DHCP: DORA rate and latency of maekin against Kea (memfile, single-threaded) and dnsmasq
// (--no-ping), each restarted per run with the same number of pre-loaded leases.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startServer, type Server } from "./_proc.js";
import { which } from "./_peers.js";
import { figure, note, printFigure, type Figure } from "./_report.js";
import { median } from "./_stats.js";
import { MK, PEER, REPO, type BenchContext } from "./_topology.js";

const INFLIGHT = 64;
type Peer = "kea" | "dnsmasq";

/** The i-th pre-loaded lease: addresses from the pool's last one (`top`, as octets) down, MACs in their own range. */
function preloaded(i: number, top: readonly number[]): { ip: string; mac: string } {
  const ip = `${top[0]}.${top[1]! - Math.floor(i / 65536)}.${255 - (Math.floor(i / 256) % 256)}.${(253 - (i % 256) + 256) % 256 || 1}`;
  const mac = ["0a", "00", ((i >>> 24) & 255).toString(16), ((i >>> 16) & 255).toString(16), ((i >>> 8) & 255).toString(16), (i & 255).toString(16)]
    .map((x) => x.padStart(2, "0")).join(":");
  return { ip, mac };
}

async function writeLeases(kind: "maekin" | Peer, path: string, n: number): Promise<void> {
  const now = Date.now();
  const top = (kind === "maekin" ? MK : PEER).pool[1].split(".").map(Number);
  const rows = Array.from({ length: n }, (_, i) => preloaded(i, top));
  if (kind === "maekin") {
    const leases = rows.map((r) => ({ mac: r.mac, ip: r.ip, expiresAt: now + 3_600_000, state: "bound" }));
    await writeFile(path, `${JSON.stringify({ version: 1, leases }, null, 1)}\n`);
  } else if (kind === "kea") {
    const exp = Math.floor(now / 1000) + 3600;
    const lines = rows.map((r) => `${r.ip},${r.mac},,3600,${exp},1,0,0,,0,`);
    await writeFile(path, `address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n${lines.join("\n")}\n`);
  } else {
    const exp = Math.floor(now / 1000) + 3600;
    await writeFile(path, rows.map((r) => `${exp} ${r.mac} ${r.ip} * *`).join("\n") + "\n");
  }
}

async function start(ctx: BenchContext, kind: "maekin" | Peer, dir: string, leases: number): Promise<Server | undefined> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (kind === "maekin") {
    const leaseFile = join(dir, "leases.json");
    await writeLeases(kind, leaseFile, leases);
    const conf = { serverAddress: MK.server, subnet: MK.subnet, pool: { start: MK.pool[0], end: MK.pool[1] }, leaseFile };
    return startServer(ctx.net, ctx.mk, "maekin-dhcp", [process.execPath, "--import", "tsx", join(REPO, "bench/servers/dhcp.ts"), JSON.stringify(conf)], { line: /ready/ }, REPO);
  }
  if (kind === "kea") {
    const bin = await which("kea-dhcp4");
    if (!bin) return undefined;
    const leaseFile = join(dir, "leases4.csv");
    await writeLeases(kind, leaseFile, leases);
    const conf = {
      Dhcp4: {
        "interfaces-config": { interfaces: ["br-prov"], "dhcp-socket-type": "udp" },
        "lease-database": { type: "memfile", persist: true, name: leaseFile, "lfc-interval": 0 },
        "multi-threading": { "enable-multi-threading": false },
        "valid-lifetime": 3600,
        "control-socket": undefined,
        subnet4: [{ id: 1, subnet: PEER.subnet, pools: [{ pool: `${PEER.pool[0]} - ${PEER.pool[1]}` }], "next-server": PEER.server, "boot-file-name": "ipxe.efi",
          "option-data": [{ name: "routers", data: PEER.server }, { name: "domain-name-servers", data: PEER.server }] }],
        loggers: [{ name: "kea-dhcp4", output_options: [{ output: "stderr" }], severity: "ERROR" }],
      },
    };
    const confPath = join(dir, "kea.json");
    await writeFile(confPath, JSON.stringify(conf));
    // Kea keeps its pid and lock files where these point, not in /run.
    return startServer(ctx.net, ctx.peer, "kea", ["env", `KEA_PIDFILE_DIR=${dir}`, `KEA_LOCKFILE_DIR=${dir}`, bin, "-c", confPath], { proto: "udp", port: 67 });
  }
  const bin = await which("dnsmasq");
  if (!bin) return undefined;
  const leaseFile = join(dir, "dnsmasq.leases");
  await writeLeases(kind, leaseFile, leases);
  return startServer(ctx.net, ctx.peer, "dnsmasq", [bin, "-k", "--conf-file=/dev/null", "--port=0", "--no-ping", "--dhcp-authoritative", "--user=root",
    `--pid-file=${join(dir, "pid")}`, "--log-facility=/dev/null", "--interface=br-prov", `--dhcp-leasefile=${leaseFile}`, "--dhcp-lease-max=400000",
    `--dhcp-range=${PEER.pool[0]},${PEER.pool[1]},255.240.0.0,1h`, `--dhcp-boot=ipxe.efi,,${PEER.server}`], { proto: "udp", port: 67 });
}

interface LoadResult { completed: number; failures: number; seconds: number; p50Ms: number; p99Ms: number; offerP99Ms?: number; ackP99Ms?: number }

/** Runs the DHCP figures. */
export async function benchDhcp(ctx: BenchContext): Promise<Figure[]> {
  const seconds = ctx.quick ? 2 : 10;
  const sizes = ctx.quick ? [1000] : [1000, 10_000, 50_000];
  const peers: Peer[] = [];
  // Quick (CI budget): only the peer with a goal.
  for (const p of ctx.quick ? (["kea"] as const) : (["kea", "dnsmasq"] as const)) {
    if (await which(p === "kea" ? "kea-dhcp4" : "dnsmasq")) peers.push(p);
    else console.log(`${p} is not installed: no comparison with it`);
  }
  const figs: Figure[] = [];
  const rateAt = new Map<number, number[]>();
  let macStart = 1;
  let header = true;
  for (const size of sizes) {
    const byPeer = new Map(peers.map((p) => [p, figure({ bench: "dhcp", name: `DORA/s, ${size / 1000}k leases, vs ${p}`, unit: "leases/s", better: "higher", peer: p, ...(p === "kea" ? { goal: 1.0 } : {}) })]));
    const maekinRates: number[] = [];
    for (let round = 0; round < ctx.rounds; round++) {
      const order: ("maekin" | Peer)[] = round % 2 === 0 ? ["maekin", ...peers] : [...peers, "maekin"];
      for (const kind of order) {
        const server = await start(ctx, kind, join(ctx.tmp, "dhcp", kind), size);
        if (!server) continue;
        const cpu0 = server.cpu();
        const target = kind === "maekin" ? MK : PEER;
        let r: LoadResult = { completed: 0, failures: 1, seconds: 1, p50Ms: Number.NaN, p99Ms: Number.NaN };
        try {
          const out = await ctx.net.exec(ctx.cli, [process.execPath, "--import", "tsx", join(REPO, "bench/clients/dhcp-load.ts"),
            JSON.stringify({ server: target.server, giaddr: target.client, seconds, inflight: INFLIGHT, macStart })], (seconds + 30) * 1000);
          r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as LoadResult;
        } catch (err) {
          console.log(`    dhcp ${kind} round ${round} failed: ${(err as Error).message.split("\n")[0]}`);
        }
        macStart += 1_000_000;
        const cpu = server.cpu() - cpu0;
        const rss = server.peakRssMb();
        await server.stop();
        const rate = r.completed / r.seconds;
        const targets = kind === "maekin" ? [...byPeer.values()] : [byPeer.get(kind)!];
        for (const fig of targets) {
          if (kind === "maekin") {
            fig.maekin.push(rate); fig.maekinCpu.push(cpu); fig.maekinFailures += r.failures; fig.maekinRssMb = Math.max(fig.maekinRssMb, rss);
            note(fig, "maekin.p99Ms", r.p99Ms);
            // REQUEST -> ACK includes the wait for the journal's fsync; DISCOVER -> OFFER does not.
            note(fig, "maekin.offerP99Ms", r.offerP99Ms ?? Number.NaN);
            note(fig, "maekin.ackP99Ms", r.ackP99Ms ?? Number.NaN);
            // Server CPU per lease: on a shared machine, the number that moves least with others' load.
            note(fig, "maekin.cpuUsPerDora", r.completed > 0 ? (cpu / r.completed) * 1e6 : Number.NaN);
          } else {
            fig.peerValues.push(rate); fig.peerCpu.push(cpu); fig.peerFailures += r.failures; fig.peerRssMb = Math.max(fig.peerRssMb, rss);
            note(fig, `${kind}.p99Ms`, r.p99Ms);
            note(fig, `${kind}.ackP99Ms`, r.ackP99Ms ?? Number.NaN);
            note(fig, `${kind}.cpuUsPerDora`, r.completed > 0 ? (cpu / r.completed) * 1e6 : Number.NaN);
          }
        }
        if (kind === "maekin") maekinRates.push(rate);
      }
    }
    rateAt.set(size, maekinRates);
    for (const fig of byPeer.values()) {
      figs.push(fig);
      printFigure(fig, header);
      header = false;
    }
  }
  if (sizes.length > 1) {
    const lo = median(rateAt.get(sizes[0]!) ?? []);
    const hi = median(rateAt.get(sizes[sizes.length - 1]!) ?? []);
    console.log(`    maekin rate at ${sizes[sizes.length - 1]! / 1000}k leases / at ${sizes[0]! / 1000}k: ${(hi / lo).toFixed(2)} (goal >= 0.8)`);
    const fig = figure({ bench: "dhcp", name: `maekin DORA/s at ${sizes[sizes.length - 1]! / 1000}k over 1k leases`, unit: "ratio", better: "higher" });
    fig.maekin.push(hi / lo);
    figs.push(fig);
  }
  return figs;
}
