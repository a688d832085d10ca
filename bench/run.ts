// `npm run bench [-- --quick] [--only tftp,dhcp,http,storm] [--rounds N]`: maekin against peer
// servers in network namespaces this process makes and removes. Prints per figure the median of
// the per-round maekin/peer ratios, both medians, server CPU seconds, peak RSS and failures, and
// writes bench/results/<time>.json. The machine may be shared: read ratios, not absolute times.
import { cpus, hostname } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { netnsUnavailable } from "../test/harness/netns.js";
import { machineSnapshot, stealPercent } from "./_proc.js";
import { summarize, type Figure } from "./_report.js";
import { createBenchNet, REPO, type BenchContext } from "./_topology.js";

const BENCHES: Record<string, () => Promise<(ctx: BenchContext) => Promise<Figure[]>>> = {
  tftp: async () => (await import("./tftp.js")).benchTftp,
  dhcp: async () => (await import("./dhcp.js")).benchDhcp,
  http: async () => (await import("./http.js")).benchHttp,
  storm: async () => (await import("./storm.js")).benchStorm,
};

function args(argv: readonly string[]) {
  const quick = argv.includes("--quick");
  const at = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const only = (at("--only") ?? Object.keys(BENCHES).join(",")).split(",").filter((b) => b in BENCHES);
  // Interleaved rounds A B A B...: 5 even in the quick profile, which trims cases and sizes instead.
  const rounds = Math.max(1, Number(at("--rounds") ?? 5));
  return { quick, only, rounds };
}

const opts = args(process.argv.slice(2));
const why = await netnsUnavailable();
if (why) {
  console.error(`bench: cannot run: ${why}`);
  process.exit(2);
}
const started = new Date();
const t0All = performance.now();
const snap0 = machineSnapshot();
const machine = { host: hostname(), cpus: cpus().length, model: cpus()[0]?.model ?? "?", node: process.version };
console.log(`maekin bench ${opts.quick ? "--quick " : ""}(${opts.rounds} rounds): ${opts.only.join(", ")}`);
console.log(`machine: ${machine.cpus} x ${machine.model}, node ${machine.node}. Shared machine: compare ratios, not absolute numbers.`);

// The machine as the maekin ISO sets it up (/etc/sysctl.d/60-maekin.conf): sockets may ask for
// receive buffers of up to 16 MiB. Only maekin asks (8 MiB for its DHCP sockets, a storm's burst); the
// peers keep the default size. Restored at the end.
const RMEM_MAX = "/proc/sys/net/core/rmem_max";
const rmemBefore = readFileSync(RMEM_MAX, "utf8").trim();
const restoreRmem = () => writeFileSync(RMEM_MAX, `${rmemBefore}\n`);
if (Number(rmemBefore) < 16_777_216) writeFileSync(RMEM_MAX, "16777216\n");
const ctx = await createBenchNet(opts.quick, opts.rounds).catch((err: unknown) => { restoreRmem(); throw err; });
const results: { bench: string; load1: [number, number]; stealPct: number; seconds: number; figures: ReturnType<typeof summarize>[] }[] = [];
let exitCode = 0;
const cleanup = async () => {
  restoreRmem();
  await ctx.net.close();
  await rm(ctx.tmp, { recursive: true, force: true });
};
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
try {
  for (const name of opts.only) {
    const before = machineSnapshot();
    const t0 = performance.now();
    console.log(`\n== ${name} (load ${before.load1.toFixed(2)})`);
    let figs: Figure[] = [];
    try {
      figs = await (await BENCHES[name]!())(ctx);
    } catch (err) {
      exitCode = 1;
      console.log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
    }
    const after = machineSnapshot();
    const steal = stealPercent(before, after);
    console.log(`-- ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s, load ${before.load1.toFixed(2)} -> ${after.load1.toFixed(2)}, CPU steal ${steal.toFixed(1)}%`);
    results.push({ bench: name, load1: [before.load1, after.load1], stealPct: steal, seconds: (performance.now() - t0) / 1000, figures: figs.map(summarize) });
  }
} finally {
  await cleanup();
}

console.log("\n== summary (ratio = median of per-round maekin/peer; see 'better' per unit)");
for (const r of results) {
  for (const f of r.figures) {
    if (f.peer === null) continue;
    console.log(`${f.bench.padEnd(6)} ${f.name.padEnd(40)} ${Number.isFinite(f.ratio) ? f.ratio.toFixed(2) : "-"}x ${f.peer}${f.goal === null ? "" : ` (goal ${f.better === "higher" ? ">=" : "<="}${f.goal}: ${f.goalMet ? "met" : "NOT met"})`}`);
  }
}
const totalS = (performance.now() - t0All) / 1000;
const snap1 = machineSnapshot();
console.log(`\ntotal: ${totalS.toFixed(0)} s${opts.quick ? ` (quick budget 180 s: ${totalS <= 180 ? "met" : "NOT met"})` : ""}, load ${snap0.load1.toFixed(2)} -> ${snap1.load1.toFixed(2)}, CPU steal ${stealPercent(snap0, snap1).toFixed(1)}%`);
await mkdir(join(REPO, "bench", "results"), { recursive: true });
const file = join(REPO, "bench", "results", `${started.toISOString().replace(/[:.]/g, "-")}${opts.quick ? "-quick" : ""}.json`);
await writeFile(file, `${JSON.stringify({ started: started.toISOString(), machine, options: opts, totalS, stealPct: stealPercent(snap0, snap1), results }, null, 1)}\n`);
console.log(`\nresults: ${file}`);
process.exit(exitCode);
