// TFTP: maekin against tftpd-hpa (lock-step, curl) and atftpd (RFC 7440 windowsize, atftp).
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { timed, timedScript } from "./_client.js";
import { startServer, type Server } from "./_proc.js";
import { atftpd, which } from "./_peers.js";
import { figure, type Figure } from "./_report.js";
import { interleave, type Side } from "./_rounds.js";
import { MK, PEER, REPO, type BenchContext } from "./_topology.js";

const MB = 1_000_000;
const ATFTPD_PORT = 6969;

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => -1);
}

/** Runs the TFTP figures; returns them filled. */
export async function benchTftp(ctx: BenchContext): Promise<Figure[]> {
  const root = join(ctx.tmp, "tftp");
  const out = join(ctx.tmp, "tftp-out");
  await mkdir(root, { recursive: true });
  await mkdir(out, { recursive: true });
  await chmod(ctx.tmp, 0o755);
  await chmod(root, 0o755);
  // The quick profile (CI, under 3 minutes for every bench together) keeps the figures with goals.
  const profile = ctx.quick
    ? { sizes: [4 * 1024 * 1024], blksizes: [1468, 8192], windows: [16, 64], parallel: [20] }
    : { sizes: [1 * 1024 * 1024, 40 * 1024 * 1024], blksizes: [512, 1468, 8192], windows: [1, 4, 16, 64], parallel: [20, 50] };
  const files = [...new Set([1024 * 1024, ...profile.sizes])].map((size) => ({ size, name: `f${size >> 20}m.bin`, label: `${size >> 20} MB` }));
  for (const f of files) await writeFile(join(root, f.name), randomBytes(f.size));
  for (const f of files) await chmod(join(root, f.name), 0o644);

  const servers: Server[] = [];
  const figs: Figure[] = [];
  try {
    // BENCH_TFTP_WORKERS=n runs maekin with n transfer worker threads (createTftpServer's `workers`).
    const workers = String(Number(process.env.BENCH_TFTP_WORKERS ?? 0) || 0);
    if (workers !== "0") console.log(`maekin TFTP with ${workers} transfer worker(s)`);
    const maekin = await startServer(ctx.net, ctx.mk, "maekin-tftp", [process.execPath, "--import", "tsx", join(REPO, "bench/servers/tftp.ts"), root, MK.server, "69", workers], { line: /ready/ }, REPO);
    servers.push(maekin);
    const hpaBin = await which("in.tftpd");
    const hpa = hpaBin
      ? await startServer(ctx.net, ctx.peer, "tftpd-hpa", [hpaBin, "-L", "-u", "root", "-a", `${PEER.server}:69`, "-s", root], { proto: "udp", port: 69 })
      : undefined;
    if (hpa) servers.push(hpa);
    else console.log("tftpd-hpa is not installed: lock-step figures run without a peer");
    const atBin = await atftpd();
    const at = atBin
      ? await startServer(ctx.net, ctx.peer, "atftpd", [atBin, "--daemon", "--no-fork", "--user", "root", "--group", "root", "--port", String(ATFTPD_PORT), "--bind-address", PEER.server, "--logfile", "/dev/null", "-m", "200", root], { proto: "udp", port: ATFTPD_PORT })
      : undefined;
    if (at) servers.push(at);

    const addr = (side: Side, port: number) => (side === "maekin" ? { host: MK.server, port: 69 } : { host: PEER.server, port });
    let header = true;
    const show = (f: Figure) => { figs.push(f); return f; };
    const { printFigure } = await import("./_report.js");

    for (const f of files.filter((x) => profile.sizes.includes(x.size))) {
      for (const blk of profile.blksizes) {
        const fig = show(figure({ bench: "tftp", name: `curl ${f.label} blksize ${blk}`, unit: "MB/s", better: "higher", peer: "tftpd-hpa", goal: 1.0 }));
        await interleave(fig, ctx.rounds, { maekin, ...(hpa ? { peer: hpa } : {}) }, async (side) => {
          const { host, port } = addr(side, 69);
          const dst = join(out, `curl-${side}.bin`);
          const r = await timed(ctx, ["curl", "-sS", "--max-time", "170", "--tftp-blksize", String(blk), "-o", dst, `tftp://${host}:${port}/${f.name}`]);
          const ok = r.ok && (await sizeOf(dst)) === f.size;
          await rm(dst, { force: true });
          return { value: ok ? f.size / MB / r.seconds : Number.NaN, failures: ok ? 0 : 1 };
        });
        printFigure(fig, header);
        header = false;
      }
      for (const win of profile.windows) {
        const fig = show(figure({ bench: "tftp", name: `atftp ${f.label} blk 1468 win ${win}`, unit: "MB/s", better: "higher", peer: "atftpd", ...(win >= 16 ? { goal: 1.0 } : {}) }));
        await interleave(fig, ctx.rounds, { maekin, ...(at ? { peer: at } : {}) }, async (side) => {
          const { host, port } = addr(side, ATFTPD_PORT);
          const dst = join(out, `atftp-${side}.bin`);
          const r = await timed(ctx, ["timeout", "170", "atftp", "--get", "-r", f.name, "-l", dst, "--option", "blksize 1468", "--option", "tsize 0",
            "--option", `windowsize ${win}`, "--tftp-timeout", "1", host, String(port)]);
          const ok = r.ok && (await sizeOf(dst)) === f.size;
          await rm(dst, { force: true });
          return { value: ok ? f.size / MB / r.seconds : Number.NaN, failures: ok ? 0 : 1 };
        });
        printFigure(fig, false);
      }
    }

    const small = files[0]!; // 1 MB
    for (const n of profile.parallel) {
      const fig = show(figure({ bench: "tftp", name: `${n} parallel curl ${small.label} blk 1468`, unit: "MB/s", better: "higher", peer: "tftpd-hpa", goal: 1.0 }));
      await interleave(fig, ctx.rounds, { maekin, ...(hpa ? { peer: hpa } : {}) }, async (side) => {
        const { host, port } = addr(side, 69);
        const dir = join(out, `par-${side}`);
        await mkdir(dir, { recursive: true });
        const script = 'i=0; while [ $i -lt "$1" ]; do curl -sS --max-time 170 --tftp-blksize 1468 -o "$2/p$i" "$3" & i=$((i+1)); done; wait';
        const r = await timedScript(ctx, script, [String(n), dir, `tftp://${host}:${port}/${small.name}`]);
        let good = 0;
        for (let i = 0; i < n; i++) if ((await sizeOf(join(dir, `p${i}`))) === small.size) good++;
        await rm(dir, { recursive: true, force: true });
        return { value: good === n ? (n * small.size) / MB / r.seconds : Number.NaN, failures: n - good };
      });
      printFigure(fig, false);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  return figs;
}
