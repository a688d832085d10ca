// Shared packet images of files, and streaming of files too big for them, over loopback.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decode, encode } from "./_codec.js";
import { fileTreeHandler } from "./_handlers.js";
import { createLoopback, pattern, sha } from "./_test-client.js";
import type { TftpHandler } from "./_types.js";

const { start, udp, fetch, cleanup } = createLoopback();
afterEach(cleanup);

describe("shared packet images of files", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  it("loads a file once per blksize for many transfers, and never serves a rewritten file stale", async () => {
    dir = await mkdtemp(join(tmpdir(), "tftp-cache-"));
    const a = pattern(100_000);
    await writeFile(join(dir, "f.bin"), a);
    const { port, server } = await start({ handler: fileTreeHandler(dir) });
    const rounds = await Promise.all([1, 2, 3].map(() => fetch(port, { options: [["blksize", "1468"]] })));
    for (const r of rounds) expect(sha(r.data)).toBe(sha(a));
    expect(server.cache.stats).toMatchObject({ misses: 1, hits: 2 });
    expect(sha((await fetch(port)).data)).toBe(sha(a)); // blksize 512: another image
    expect(server.cache.stats.misses).toBe(2);
    const b = Buffer.from(a).fill(7, 5000, 6000); // same size, new bytes
    await writeFile(join(dir, "f.bin"), b);
    expect(sha((await fetch(port, { options: [["blksize", "1468"]] })).data)).toBe(sha(b));
    expect(server.cache.stats.misses).toBe(3);
  });

  it("keeps loading an image when the transfer that started it ends at the OACK (PXE tsize probe)", async () => {
    const a = pattern(200_000);
    // A slow disk: the probe's ERROR 8 arrives while its source is still reading the image.
    const handler: TftpHandler = async () => {
      let closed = false;
      return {
        size: a.length,
        cacheKey: "slow",
        read: async (offset, length) => {
          await new Promise((r) => setTimeout(r, 300));
          if (closed) throw new Error("read after close");
          return a.subarray(offset, offset + length);
        },
        close: async () => { closed = true; },
      };
    };
    const { port, server } = await start({ handler, timeoutMs: 2000 });
    const probe = await udp();
    probe.on("message", (m, rinfo) => {
      const d = decode(m);
      if (d.ok && d.packet.op === "OACK") probe.send(encode({ op: "ERROR", code: 8, message: "tsize only" }), rinfo.port, "127.0.0.1");
    });
    probe.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [{ name: "tsize", value: "0" }, { name: "blksize", value: "1400" }] }), port, "127.0.0.1");
    await expect.poll(() => server.stats.active).toBe(1);
    const r = await fetch(port, { options: [["tsize", "0"], ["blksize", "1400"]] });
    expect(r.error).toBeUndefined();
    expect(sha(r.data)).toBe(sha(a));
    await expect.poll(() => server.stats.probes).toBe(1);
    expect(server.cache.stats).toMatchObject({ misses: 1, hits: 1 });
  });

  it("streams files too big for the cache, byte-exact", async () => {
    dir = await mkdtemp(join(tmpdir(), "tftp-cache-"));
    const a = pattern(600_000);
    await writeFile(join(dir, "f.bin"), a);
    const { port, server } = await start({ handler: fileTreeHandler(dir), cacheBytes: 1_000_000 });
    expect(sha((await fetch(port, { options: [["windowsize", "8"]] })).data)).toBe(sha(a));
    expect(server.cache.stats).toMatchObject({ misses: 0, hits: 0, entries: 0 });
  });

  it("reads a streamed file 1 MiB ahead of the window, whatever the blksize", async () => {
    // One chunk ahead was 16 blocks at blksize 8192: less than a thread-pool round trip of wire time.
    let readTo = 0;
    const handler: TftpHandler = async () => ({
      size: 4 << 20,
      read: async (offset, length) => {
        readTo = Math.max(readTo, offset + length);
        return Buffer.alloc(length);
      },
    });
    const { port } = await start({ handler, timeoutMs: 5000 });
    const client = await udp();
    client.on("message", (m, rinfo) => {
      const d = decode(m);
      if (d.ok && d.packet.op === "OACK") client.send(encode({ op: "ACK", block: 0 }), rinfo.port, "127.0.0.1");
    }); // and never ACKs DATA 1: the window stays at block 1
    client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [{ name: "blksize", value: "8192" }] }), port, "127.0.0.1");
    await expect.poll(() => readTo).toBeGreaterThanOrEqual((1 << 20) + 8192);
    expect(readTo).toBeLessThan(2 << 20); // bounded: a slow client does not pull the whole file into memory
  });
});
