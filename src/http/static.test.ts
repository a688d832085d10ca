// sendFile over a raw node:http server, from memory and streamed: the headers and status codes
// firmware and installers rely on, replaced files, and memory under hundreds of stalled readers.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileCache, type FileCache } from "./_file-cache.js";
import { createBufferPool, type BufferPool } from "./_file-stream.js";
import { sendFile } from "./_static.js";

const dir = mkdtempSync(join(tmpdir(), "maekin-static-"));
const SIZE = 4 * 1024 * 1024;
const body = randomBytes(SIZE);
const path = join(dir, "initrd.gz");
writeFileSync(path, body);

/** A server that sends `path` with the given cache and pool. */
async function serve(cache: FileCache, pool: BufferPool): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer((req, res) => {
    const info = statSync(path);
    void sendFile(req, res, { path, size: info.size, mtimeMs: info.mtimeMs }, "application/gzip", { cache, pool });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, port };
}

const modes = {
  memory: () => ({ cache: createFileCache({ maxBytes: 64 << 20, maxFileBytes: 32 << 20 }), pool: createBufferPool() }),
  streamed: () => ({ cache: createFileCache({ maxBytes: 64 << 20, maxFileBytes: 0 }), pool: createBufferPool({ bufferBytes: 256 << 10, count: 4, fallbackBytes: 16 << 10 }) }),
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.keys(modes) as (keyof typeof modes)[])("sendFile, %s", (mode) => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const { cache, pool } = modes[mode]();
    ({ server, url } = await serve(cache, pool));
    return () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  });

  const etag = () => fetch(url, { method: "HEAD" }).then((r) => r.headers.get("etag")!);

  it.each([
    ["the whole file", {}, 200, [0, SIZE - 1]],
    ["a range", { Range: "bytes=100-199" }, 206, [100, 199]],
    ["an open range", { Range: `bytes=${SIZE - 5}-` }, 206, [SIZE - 5, SIZE - 1]],
    ["a suffix", { Range: "bytes=-10" }, 206, [SIZE - 10, SIZE - 1]],
    ["a range past the end, clamped", { Range: `bytes=${SIZE - 3}-${SIZE + 100}` }, 206, [SIZE - 3, SIZE - 1]],
    ["a range across the pool's buffer size", { Range: "bytes=1000-1049999" }, 206, [1000, 1049999]],
    ["multiple ranges, answered with the whole file", { Range: "bytes=0-1,5-6" }, 200, [0, SIZE - 1]],
    ["an invalid range (last below first), ignored", { Range: "bytes=5-3" }, 200, [0, SIZE - 1]],
  ] as const)("sends %s", async (_label, headers, status, [start, end]) => {
    const res = await fetch(url, { headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-length")).toBe(String(end - start + 1));
    if (status === 206) expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(start, end + 1))).toBe(true);
  });

  it("answers 416 with the size for a range that starts past the end", async () => {
    const res = await fetch(url, { headers: { Range: `bytes=${SIZE}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${SIZE}`);
  });

  it("answers HEAD with the length and no body", async () => {
    const res = await fetch(url, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(SIZE));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
  });

  it.each([
    ["its ETag", 304, (tag: string) => ({ "If-None-Match": tag })],
    ["a list holding its ETag", 304, (tag: string) => ({ "If-None-Match": `"other", ${tag}` })],
    ["its ETag without W/ (weak comparison)", 304, (tag: string) => ({ "If-None-Match": tag.slice(2) })],
    ["*", 304, () => ({ "If-None-Match": "*" })],
    ["another ETag", 200, () => ({ "If-None-Match": "W/\"1-1\"" })],
    ["If-Modified-Since now", 304, () => ({ "If-Modified-Since": new Date().toUTCString() })],
    ["If-Modified-Since long ago", 200, () => ({ "If-Modified-Since": new Date(0).toUTCString() })],
    ["another ETag and a recent If-Modified-Since (If-None-Match wins)", 200, () => ({ "If-None-Match": "W/\"1-1\"", "If-Modified-Since": new Date().toUTCString() })],
    ["If-Range with a stale ETag (whole file)", 200, () => ({ "If-Range": "W/\"1-1\"", Range: "bytes=0-9" })],
  ] as const)("given %s answers %s", async (_label, status, headers) => {
    const res = await fetch(url, { headers: headers(await etag()) });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
  });
});

describe("the file cache", () => {
  it("reads a replaced file again, and never keeps more than its limit", async () => {
    const file = join(dir, "changing");
    writeFileSync(file, "first");
    const cache = createFileCache({ maxBytes: 12, maxFileBytes: 8 });
    const version = () => { const s = statSync(file); return { path: file, size: s.size, mtimeMs: s.mtimeMs }; };
    expect((await cache.get(version()))?.toString()).toBe("first");
    writeFileSync(file, "second");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await cache.get(version()))?.toString()).toBe("second");
    const other = join(dir, "other");
    writeFileSync(other, "eight-by");
    const s = statSync(other);
    expect((await cache.get({ path: other, size: s.size, mtimeMs: s.mtimeMs }))?.toString()).toBe("eight-by");
    expect(cache.bytes).toBeLessThanOrEqual(12);
    writeFileSync(other, "nine bytes");
    const big = statSync(other);
    expect(await cache.get({ path: other, size: big.size, mtimeMs: big.mtimeMs })).toBeUndefined();
  });

  it("streams rather than reads many different files into memory at once", async () => {
    const files = ["one", "two", "three"].map((name) => {
      const file = join(dir, name);
      writeFileSync(file, "0123456789");
      const s = statSync(file);
      return { path: file, size: s.size, mtimeMs: s.mtimeMs };
    });
    const cache = createFileCache({ maxBytes: 25, maxFileBytes: 10 });
    const got = await Promise.all(files.map((f) => cache.get(f)));
    expect(got.map((b) => b?.toString())).toEqual(["0123456789", "0123456789", undefined]);
    expect(cache.bytes).toBe(20);
  });

  it("lets go of files nobody asked for in idleMs", async () => {
    const file = join(dir, "idle");
    writeFileSync(file, "kernel");
    const s = statSync(file);
    const cache = createFileCache({ maxBytes: 100, maxFileBytes: 100, idleMs: 50 });
    await cache.get({ path: file, size: s.size, mtimeMs: s.mtimeMs });
    expect(cache.bytes).toBe(6);
    await new Promise((r) => setTimeout(r, 200));
    expect(cache.bytes).toBe(0);
  });

  it("does not keep a file whose size changed since the caller's stat", async () => {
    const file = join(dir, "growing");
    writeFileSync(file, "12345");
    const s = statSync(file);
    writeFileSync(file, "1234567");
    const cache = createFileCache({ maxBytes: 100, maxFileBytes: 100 });
    expect(await cache.get({ path: file, size: s.size, mtimeMs: s.mtimeMs })).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});

/** Opens a connection, sends a GET and reads nothing more: the kernel's buffers fill, then the server's writes stall. */
function stalledReader(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      socket.once("data", () => { socket.pause(); resolve(socket); });
    });
    socket.on("error", reject);
  });
}

describe.each(Object.keys(modes) as (keyof typeof modes)[])("500 stalled readers, %s", (mode) => {
  it("cost bounded memory and do not starve a fast client", async () => {
    const { cache, pool } = modes[mode]();
    const { server, url, port } = await serve(cache, pool);
    const sockets: Socket[] = [];
    try {
      await fetch(url).then((r) => r.arrayBuffer()); // warm: the cache holds the file once
      const before = process.memoryUsage.rss();
      for (let i = 0; i < 500; i++) sockets.push(await stalledReader(port));
      await new Promise((r) => setTimeout(r, 300));
      const grown = (process.memoryUsage.rss() - before) / 2 ** 20;
      // A 256 KiB stream buffer plus its pending write per connection came to ~250 MB here.
      expect(grown).toBeLessThan(100);
      expect(pool.stats.lent).toBeLessThanOrEqual(4 + 16);
      const res = await fetch(url);
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    }
  }, 60_000);
});
