// The `workers` option: transfers of cached files run on worker threads, with real clients
// (curl, atftp) on loopback and with the in-test client that loses packets.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encode } from "./_codec.js";
import { bufferHandler, fileTreeHandler } from "./_handlers.js";
import { createLoopback, opsReceived, pattern, sha } from "./_test-client.js";
import type { TransferReport } from "./_types.js";

const run = promisify(execFile);
const { start, udp, fetch, cleanup } = createLoopback();
afterEach(cleanup);

const missing = async (tool: string) => run("sh", ["-c", `command -v ${tool}`]).then(() => undefined, () => `${tool} is not installed`);
const noCurl = await missing("curl");
const noAtftp = await missing("atftp");
if (process.env.CI && (noCurl ?? noAtftp)) throw new Error(`CI must run the TFTP worker tests with real clients, but: ${noCurl ?? noAtftp}`);

describe("createTftpServer with transfer workers", () => {
  let dir = "";
  const big = pattern(3_000_001);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tftp-workers-"));
    await writeFile(join(dir, "f.bin"), big);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const serve = async (extra: { workers?: number; timeoutMs?: number } = {}) => {
    const reports: TransferReport[] = [];
    const s = await start({ handler: fileTreeHandler(dir), workers: 2, metrics: { transferFinished: (r) => reports.push(r) }, ...extra });
    return { ...s, reports };
  };

  it.skipIf(noCurl)(`serves curl byte-exact from a worker at blksize 512, 1468 and 8192${noCurl ? ` (skipped: ${noCurl})` : ""}`, async () => {
    const { port, server, reports } = await serve();
    for (const blk of [512, 1468, 8192]) {
      const out = join(dir, `curl-${blk}.bin`);
      await run("curl", ["-sS", "--max-time", "60", "--tftp-blksize", String(blk), "-o", out, `tftp://127.0.0.1:${port}/f.bin`]);
      expect(sha(await readFile(out))).toBe(sha(big));
    }
    await expect.poll(() => server.stats.completed).toBe(3);
    expect(server.stats.bytesSent).toBe(3 * big.length);
    expect(reports.map((r) => r.worker)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
  });

  it.skipIf(noAtftp ?? noCurl)(`serves atftp with windowsize 16 from a worker, and 20 curls at once${(noAtftp ?? noCurl) ? ` (skipped: ${noAtftp ?? noCurl})` : ""}`, async () => {
    const { port, server, reports } = await serve();
    const out = join(dir, "atftp.bin");
    await run("atftp", ["--get", "-r", "f.bin", "-l", out, "--option", "blksize 1468", "--option", "windowsize 16", "127.0.0.1", String(port)]);
    expect(sha(await readFile(out))).toBe(sha(big));
    const outs = Array.from({ length: 20 }, (_, i) => join(dir, `par-${i}.bin`));
    await Promise.all(outs.map((o) => run("curl", ["-sS", "--max-time", "60", "--tftp-blksize", "1468", "-o", o, `tftp://127.0.0.1:${port}/f.bin`])));
    for (const o of outs) expect(sha(await readFile(o))).toBe(sha(big));
    await expect.poll(() => server.stats.completed).toBe(21);
    expect(reports.every((r) => r.worker === 1 || r.worker === 2)).toBe(true);
    expect(server.cache.stats).toMatchObject({ misses: 1 }); // one image in shared memory for all
  });

  it("repairs lost DATA from a worker and adds its retransmits to the stats", async () => {
    const { port, server, reports } = await serve();
    const lost = new Set([1, 7, 100, Math.floor(big.length / 1468) + 1]);
    const r = await fetch(port, { filename: "f.bin", options: [["blksize", "1468"], ["windowsize", "4"]], drop: (b, n) => n === 0 && lost.has(b) });
    expect(sha(r.data)).toBe(sha(big));
    await expect.poll(() => server.stats.completed).toBe(1);
    expect(server.stats.retransmits).toBeGreaterThanOrEqual(lost.size);
    expect(reports[0]).toMatchObject({ ok: true, worker: expect.any(Number), bytes: big.length });
  });

  it("keeps sources without a cacheKey (generated content) on the main thread", async () => {
    const reports: TransferReport[] = [];
    const { port } = await start({ handler: bufferHandler({ "f.bin": "not a file" }), workers: 1, metrics: { transferFinished: (r) => reports.push(r) } });
    expect((await fetch(port)).data.toString()).toBe("not a file");
    await expect.poll(() => reports.length).toBe(1);
    expect(reports[0]?.worker).toBeUndefined();
  });

  it("puts transfers that run at the same time on different workers", async () => {
    const { port, server, reports } = await serve({ timeoutMs: 5000 });
    const firstData = async () => {
      const client = await udp(); // reads DATA 1 and never ACKs it: the transfer stays open
      const got = new Promise((resolve) => client.once("message", resolve));
      client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "127.0.0.1");
      await got;
    };
    await firstData();
    await firstData();
    await server.close();
    expect(reports.map((r) => r.worker).sort()).toEqual([1, 2]);
  });

  it("close() aborts a worker's transfer with an ERROR, and counts it failed", async () => {
    const { port, server } = await serve({ timeoutMs: 5000 });
    const client = await udp();
    const got = opsReceived(client);
    client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "127.0.0.1");
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(1);
    await server.close();
    expect(got).toEqual(["DATA", "ERROR"]);
    expect(server.stats).toMatchObject({ failed: 1, active: 0 });
  });
});
