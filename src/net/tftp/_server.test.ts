// The server over loopback: byte-exact transfers under loss, duplicates, forgeries and wrap-around.
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { decode, encode } from "./_codec.js";
import { bufferHandler, generatedHandler } from "./_handlers.js";
import { createLoopback, pattern, sha } from "./_test-client.js";

const { start, udp, fetch, cleanup } = createLoopback();
afterEach(cleanup);

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

  it("serves over IPv6 loopback", async () => {
    const { port } = await start({ address: "::1", handler: bufferHandler({ "f.bin": "six" }) }).catch((err: Error) => {
      throw new Error(`::1 is not available here: ${err.message}`, { cause: err });
    });
    const client = createSocket("udp6");
    onTestFinished(() => {
      client.close();
    });
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

  it("sends netascii converted and generated content per client", async () => {
    const handler = generatedHandler((path, client) => `${path} for ${client.address}\n`);
    const { port } = await start({ handler });
    const r = await fetch(port, { filename: "/boot.ipxe", mode: "netascii" });
    expect(r.data.toString()).toBe("boot.ipxe for 127.0.0.1\r\n");
  });
});
