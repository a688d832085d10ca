// Server over loopback with a tiny in-test client that can lose, duplicate and forge packets.
import { createHash } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { decode, encode } from "./_codec.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bufferHandler, fileTreeHandler, generatedHandler } from "./_handlers.js";
import type { TftpOption } from "./_packet.js";
import { createTftpServer, type TftpServer, type TftpServerOptions } from "./_server.js";
import type { TftpHandler } from "./_types.js";

interface FetchOptions {
  options?: Array<[string, string]>;
  /** Return true to drop this DATA (n counts copies of that block seen so far, from 0). */
  drop?: (block: number, n: number) => boolean;
  duplicateAcks?: boolean;
  /** Called once the server's transfer port is known. */
  onTid?: (port: number) => void;
  filename?: string;
  mode?: string;
  write?: boolean;
}
interface FetchResult {
  data: Buffer;
  oack: TftpOption[] | undefined;
  error: { code: number; message: string } | undefined;
  tidPorts: Set<number>;
}

const sockets: Socket[] = [];
const servers: TftpServer[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const s of servers.splice(0)) await s.close();
});

async function start(options: Partial<TftpServerOptions> & Pick<TftpServerOptions, "handler">) {
  const server = createTftpServer({ address: "127.0.0.1", port: 0, timeoutMs: 50, retries: 4, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

const udp = async () => {
  const s = createSocket("udp4");
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
};

/** A minimal RFC 1350/2347/7440 reader: ACKs each window (or a gap), resends its last ACK when idle. */
async function fetch(port: number, o: FetchOptions = {}, timeoutMs = 20_000): Promise<FetchResult> {
  const sock = await udp();
  const opts = (o.options ?? []).map(([name, value]) => ({ name, value }));
  const windowsize = Number(o.options?.find(([n]) => n === "windowsize")?.[1] ?? 1);
  let blksize = 512;
  const chunks: Buffer[] = [];
  const copies = new Map<number, number>();
  const tidPorts = new Set<number>();
  let expected = 1;
  let inWindow = 0;
  let lastAck = -1;
  let tid: number | undefined;
  let oack: TftpOption[] | undefined;
  return await new Promise<FetchResult>((resolve, reject) => {
    const ack = (block: number) => {
      lastAck = block;
      const b = encode({ op: "ACK", block });
      sock.send(b, tid, "127.0.0.1");
      if (o.duplicateAcks) sock.send(b, tid, "127.0.0.1");
    };
    const idle = setInterval(() => lastAck >= 0 && ack(lastAck), 200);
    const overall = setTimeout(() => done(new Error(`fetch timed out after ${chunks.length} blocks`)), timeoutMs);
    const done = (err?: Error, error?: FetchResult["error"]) => {
      clearInterval(idle);
      clearTimeout(overall);
      if (err) reject(err);
      else resolve({ data: Buffer.concat(chunks), oack, error, tidPorts });
    };
    sock.on("message", (msg, rinfo) => {
      tidPorts.add(rinfo.port);
      if (tid === undefined) {
        tid = rinfo.port;
        o.onTid?.(tid);
      }
      if (rinfo.port !== tid) return; // not our transfer
      const d = decode(msg);
      if (!d.ok) return done(new Error(`client got malformed packet: ${d.error.detail}`));
      const p = d.packet;
      if (p.op === "ERROR") return done(undefined, { code: p.code, message: p.message });
      if (p.op === "OACK") {
        oack = [...p.options];
        blksize = Number(p.options.find((x) => x.name === "blksize")?.value ?? 512);
        return ack(0);
      }
      if (p.op !== "DATA") return done(new Error(`client got ${p.op}`));
      const n = copies.get(p.block) ?? 0;
      copies.set(p.block, n + 1);
      if (o.drop?.(p.block, n)) return;
      if (p.block !== expected % 65536) {
        inWindow = 0;
        return ack((expected - 1) % 65536); // gap or duplicate: say what we have
      }
      chunks.push(Buffer.from(p.data));
      expected++;
      inWindow++;
      const last = p.data.length < blksize;
      if (last || inWindow >= windowsize) {
        inWindow = 0;
        ack(p.block);
      }
      if (last) done();
    });
    const req = encode({ op: o.write ? "WRQ" : "RRQ", filename: o.filename ?? "f.bin", mode: o.mode ?? "octet", options: opts });
    sock.send(req, port, "127.0.0.1");
  });
}

const pattern = (size: number) => {
  const b = Buffer.allocUnsafe(size + 4);
  for (let i = 0; i < size; i += 4) b.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, i);
  return b.subarray(0, size);
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("createTftpServer over loopback", () => {
  const file = pattern(300_001);

  it("serves a file byte-exact with blksize, tsize and windowsize negotiated", async () => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }) });
    const r = await fetch(port, { options: [["blksize", "1468"], ["tsize", "0"], ["windowsize", "8"]] });
    expect(sha(r.data)).toBe(sha(file));
    expect(r.oack).toEqual([{ name: "blksize", value: "1468" }, { name: "tsize", value: "300001" }, { name: "windowsize", value: "8" }]);
    await expect.poll(() => server.stats.completed).toBe(1);
    expect(r.tidPorts.has(port)).toBe(false); // the transfer ran on its own port
  });

  it("completes byte-exact with every ACK duplicated, without extra DATA (no Sorcerer's Apprentice)", async () => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), timeoutMs: 2000 });
    const r = await fetch(port, { duplicateAcks: true });
    expect(sha(r.data)).toBe(sha(file));
    await expect.poll(() => server.stats.completed).toBe(1);
    expect(server.stats.retransmits).toBe(0);
  });

  it.each([1, 4])("completes byte-exact when DATA blocks are lost (windowsize %i)", async (w) => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }) });
    const lost = new Set([1, 7, 100, Math.floor(file.length / 512) + 1]); // first, middle and last block
    const r = await fetch(port, { options: [["windowsize", String(w)]], drop: (b, n) => n === 0 && lost.has(b) });
    expect(sha(r.data)).toBe(sha(file));
    await expect.poll(() => server.stats.completed).toBe(1);
    expect(server.stats.retransmits).toBeGreaterThanOrEqual(lost.size);
  });

  it("ignores a forged ERROR and ACK from a foreign port", async () => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), timeoutMs: 300 });
    const forger = await udp();
    const r = await fetch(port, {
      drop: (b, n) => b === 3 && n === 0, // stall a moment so the forgery lands mid-transfer
      onTid: (tidPort) => {
        forger.send(encode({ op: "ERROR", code: 0, message: "forged abort" }), tidPort, "127.0.0.1");
        forger.send(encode({ op: "ACK", block: 500 }), tidPort, "127.0.0.1");
      },
    });
    expect(r.error).toBeUndefined();
    expect(sha(r.data)).toBe(sha(file));
    await expect.poll(() => server.stats.completed).toBe(1);
  });

  it("wraps block numbers past 65535 (40 MB at blksize 512: 81,921 blocks)", async () => {
    const big = pattern(40 * 1024 * 1024);
    const { port } = await start({ handler: bufferHandler({ "f.bin": big }) });
    const r = await fetch(port, { options: [["windowsize", "16"]] }, 50_000);
    expect(r.data.length).toBe(big.length);
    expect(sha(r.data)).toBe(sha(big));
  }, 60_000);

  it.each([
    ["a write request", 2, { write: true }],
    ["a missing file", 1, { filename: "missing" }],
    ["a traversal", 2, { filename: "../f.bin" }],
    ["mode mail", 4, { mode: "mail" }],
  ] as const)("answers %s with ERROR %i", async (_name, code, o) => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }) });
    const r = await fetch(port, o);
    expect(r.error?.code).toBe(code);
    await expect.poll(() => server.stats.refused).toBe(1);
  });

  it("serves over IPv6 loopback", async () => {
    const server = createTftpServer({ address: "::1", port: 0, handler: bufferHandler({ "f.bin": "six" }) });
    servers.push(server);
    const { port } = await server.listen().catch((err: Error) => {
      throw new Error(`::1 is not available here: ${err.message}`, { cause: err });
    });
    const client = createSocket("udp6");
    sockets.push(client);
    const reply = new Promise<Buffer>((resolve) => client.once("message", (m) => resolve(m)));
    client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "::1");
    expect(decode(await reply)).toEqual({ ok: true, packet: { op: "DATA", block: 1, data: Buffer.from("six") } });
  });

  it("ends the transfer at a short read when a file shrinks under it", async () => {
    const real = pattern(700);
    const handler = async () => ({ size: 2000, read: async (off: number, len: number) => real.subarray(off, off + len) });
    const { port } = await start({ handler });
    expect((await fetch(port)).data.equals(real)).toBe(true);
  });

  it("answers ERROR 0 and logs when a handler throws", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => warnings.push(msg) };
    const { port } = await start({ handler: async () => Promise.reject(new Error("disk on fire")), logger });
    expect((await fetch(port)).error).toEqual({ code: 0, message: "internal server error" });
    expect(warnings).toEqual(["tftp handler failed"]);
  });

  it("sends netascii converted and generated content per client", async () => {
    const handler = generatedHandler((path, client) => `${path} for ${client.address}\n`);
    const { port } = await start({ handler });
    const r = await fetch(port, { filename: "/boot.ipxe", mode: "netascii" });
    expect(r.data.toString()).toBe("boot.ipxe for 127.0.0.1\r\n");
  });

  it("drops and counts malformed datagrams, and keeps serving", async () => {
    const dropped: string[] = [];
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), metrics: { packetDropped: (r) => dropped.push(r) } });
    const junk = await udp();
    for (const b of [Buffer.alloc(0), Buffer.from([0, 9, 1]), Buffer.from([0, 1, 65])]) junk.send(b, port, "127.0.0.1");
    junk.send(encode({ op: "ACK", block: 1 }), port, "127.0.0.1");
    await expect.poll(() => server.stats.malformed).toBe(3);
    expect(server.stats.unexpected).toBe(1);
    expect(dropped).toEqual(["malformed", "malformed", "malformed", "unexpected"]);
    expect(sha((await fetch(port)).data)).toBe(sha(file));
  });

  it("gives up after its retries when the client goes silent, and reports it", async () => {
    const reports: Array<{ ok: boolean; reason?: string }> = [];
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), timeoutMs: 10, retries: 3, metrics: { transferFinished: (r) => reports.push(r) } });
    const silent = await udp();
    const seen: number[] = [];
    silent.on("message", (m) => {
      const d = decode(m);
      if (d.ok && d.packet.op === "DATA") seen.push(d.packet.block);
    });
    silent.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "127.0.0.1");
    await expect.poll(() => server.stats.failed, { timeout: 5000 }).toBe(1);
    expect(seen).toEqual([1, 1, 1, 1]); // first send + 3 retries, with backoff between
    expect(reports[0]).toMatchObject({ ok: false, reason: "timeout" });
  });

  // What EDK II's PXE does before every download: RRQ with tsize, read the OACK, end with ERROR 8.
  it("counts a client that ends after the OACK with ERROR 8 as an option probe, not a failure", async () => {
    const reports: Array<{ ok: boolean; reason?: string }> = [];
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), metrics: { transferFinished: (r) => reports.push(r) } });
    const prober = await udp();
    let midway = false;
    prober.on("message", (m, rinfo) => {
      const d = decode(m);
      const abort = () => prober.send(encode({ op: "ERROR", code: 8, message: "User aborted the transfer" }), rinfo.port, "127.0.0.1");
      if (d.ok && d.packet.op === "OACK") {
        if (midway) prober.send(encode({ op: "ACK", block: 0 }), rinfo.port, "127.0.0.1");
        else abort();
      }
      if (d.ok && d.packet.op === "DATA") abort();
    });
    const rrq = encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [{ name: "tsize", value: "0" }] });
    prober.send(rrq, port, "127.0.0.1");
    await expect.poll(() => server.stats.probes).toBe(1);
    expect(server.stats.failed).toBe(0);
    expect(reports).toEqual([expect.objectContaining({ ok: false, reason: "option-probe", bytes: 0 })]);
    // ERROR 8 once data flows is a failure, as before.
    midway = true;
    prober.send(rrq, port, "127.0.0.1");
    await expect.poll(() => server.stats.failed).toBe(1);
    expect(server.stats.probes).toBe(1);
    expect(reports[1]).toMatchObject({ ok: false, reason: "client-error: 8 User aborted the transfer" });
  });

  it("refuses beyond maxTransfers and ignores a retransmitted RRQ", async () => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), maxTransfers: 1, timeoutMs: 1000 });
    const first = await udp();
    const rrq = encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] });
    first.send(rrq, port, "127.0.0.1");
    first.send(rrq, port, "127.0.0.1"); // retransmitted request: same transfer
    await expect.poll(() => server.stats.active).toBe(1);
    const r = await fetch(port);
    expect(r.error).toMatchObject({ code: 0, message: expect.stringMatching(/busy/) });
    expect(server.stats.requests).toBe(3);
    expect(server.stats.active).toBe(1);
  });

  it("close() aborts running transfers with an ERROR and frees every socket", async () => {
    const { port, server } = await start({ handler: bufferHandler({ "f.bin": file }), timeoutMs: 5000 });
    const client = await udp();
    const got: string[] = [];
    client.on("message", (m) => {
      const d = decode(m);
      if (d.ok) got.push(d.packet.op);
    });
    client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "127.0.0.1");
    await expect.poll(() => got.length).toBe(1);
    await server.close();
    await expect.poll(() => got).toEqual(["DATA", "ERROR"]);
    expect(server.stats.failed).toBe(1);
    expect(server.stats.active).toBe(0);
    const probe = await udp(); // the request port is free again
    await expect(new Promise((resolve, reject) => {
      const s = createSocket("udp4");
      s.once("error", reject);
      s.bind(port, "127.0.0.1", () => s.close(() => resolve("bound")));
    })).resolves.toBe("bound");
    probe.close();
    sockets.splice(sockets.indexOf(probe), 1);
  });
});

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
});
