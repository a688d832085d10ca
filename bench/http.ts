// HTTP: boot assets from maekin's master against nginx (1 worker, sendfile) with wrk; answer-file
// rendering and registration on maekin alone (absolute numbers: read them with the machine's load).
import { mkdir } from "node:fs/promises";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { makeAssets, startMasterWith, startNginx } from "./_web.js";
import { figure, note, printFigure, type Figure } from "./_report.js";
import { interleave } from "./_rounds.js";
import { wrk } from "./_wrk.js";
import { MK, PEER, REPO, type BenchContext } from "./_topology.js";

/** Runs the HTTP figures. */
export async function benchHttp(ctx: BenchContext): Promise<Figure[]> {
  const seconds = ctx.quick ? 2 : 10;
  const assets = await makeAssets(join(ctx.tmp, "http-assets"), "real");
  const www = join(ctx.tmp, "www");
  await mkdir(www, { recursive: true });
  await copyFile(assets.kernel, join(www, "linux"));
  await copyFile(assets.initrd, join(www, "initrd.gz"));
  const { server: master } = await startMasterWith(ctx, join(ctx.tmp, "http-state"), assets);
  const nginx = await startNginx(ctx, join(ctx.tmp, "nginx-http"), www);
  if (!nginx) console.log("nginx is not installed: asset figures run without a peer");
  const figs: Figure[] = [];
  let header = true;
  try {
    // Quick (CI budget): one asset case; the figures without a peer are left out.
    const files = ctx.quick ? ([["linux", "8 MB kernel"]] as const) : ([["initrd.gz", "40 MB initrd"], ["linux", "8 MB kernel"]] as const);
    for (const [file, label] of files) {
      for (const conns of ctx.quick ? [100] : [100, 500]) {
        const fig = figure({ bench: "http", name: `wrk ${label}, ${conns} conns`, unit: "MB/s", better: "higher", peer: "nginx", goal: 0.9 });
        await interleave(fig, ctx.rounds, { maekin: master, ...(nginx ? { peer: nginx } : {}) }, async (side) => {
          const url = side === "maekin" ? `http://${MK.server}:8080/assets/debian-12/${file}` : `http://${PEER.server}:8080/${file}`;
          const r = await wrk(ctx, url, conns, seconds);
          return { value: r.bytes / 1e6 / r.seconds, failures: r.errors, extra: { gb: r.bytes / 1e9 } };
        });
        // CPU seconds per GB served, per round.
        for (const side of ["maekin", "peer"] as const) {
          const gb = fig.extra[`${side}.gb`] ?? [];
          const cpu = side === "maekin" ? fig.maekinCpu : fig.peerCpu;
          gb.forEach((g, i) => note(fig, `${side}.cpuSPerGB`, (cpu[i] ?? Number.NaN) / g));
        }
        delete fig.extra["maekin.gb"];
        delete fig.extra["peer.gb"];
        figs.push(fig);
        printFigure(fig, header);
        header = false;
      }
    }

    if (ctx.quick) return figs;
    // Answer file: a known node's token from its boot script.
    const script = await ctx.net.exec(ctx.cli, ["curl", "-sS", `http://${MK.server}:8080/boot.ipxe?mac=52:54:00:00:00:01`]);
    const token = /\/install\/([^/\s]+)\/preseed\.cfg/.exec(script)?.[1];
    const answer = figure({ bench: "http", name: "preseed.cfg, 100 conns (no peer)", unit: "req/s", better: "higher" });
    await interleave(answer, ctx.rounds, { maekin: master }, async () => {
      const r = await wrk(ctx, `http://${MK.server}:8080/install/${token ?? "none"}/preseed.cfg`, 100, Math.min(seconds, 5));
      return { value: r.rps, failures: r.errors, extra: { p99Ms: r.p99Ms } };
    });
    figs.push(answer);
    printFigure(answer, false);

    const reg = figure({ bench: "http", name: "register, 100 in flight (no peer)", unit: "req/s", better: "higher" });
    let macStart = 1;
    await interleave(reg, ctx.rounds, { maekin: master }, async () => {
      const count = ctx.quick ? 300 : 1000;
      const out = await ctx.net.exec(ctx.cli, [process.execPath, "--import", "tsx", join(REPO, "bench/clients/register-load.ts"), `http://${MK.server}:8080`, String(count), "100", String(macStart)], 300_000);
      macStart += count;
      const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { rps: number; failures: number; p99Ms: number };
      return { value: r.rps, failures: r.failures, extra: { p99Ms: r.p99Ms } };
    });
    figs.push(reg);
    printFigure(reg, false);
  } finally {
    await master.stop();
    await nginx?.stop();
  }
  return figs;
}
