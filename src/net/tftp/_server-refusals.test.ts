// The server's refusals, drops, give-ups and shutdown, over loopback.
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { decode, encode } from "./_codec.js";
import { bufferHandler } from "./_handlers.js";
import { createLoopback, opsReceived, pattern, sha } from "./_test-client.js";

const { start, udp, fetch, cleanup } = createLoopback();
afterEach(cleanup);

describe("createTftpServer refusals and lifecycle", () => {
  const file = pattern(300_001);

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

  it("answers ERROR 0 and logs when a handler throws", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => warnings.push(msg) };
    const { port } = await start({ handler: async () => Promise.reject(new Error("disk on fire")), logger });
    expect((await fetch(port)).error).toEqual({ code: 0, message: "internal server error" });
    expect(warnings).toEqual(["tftp handler failed"]);
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
    const got = opsReceived(client);
    client.send(encode({ op: "RRQ", filename: "f.bin", mode: "octet", options: [] }), port, "127.0.0.1");
    await expect.poll(() => got.length).toBe(1);
    await server.close();
    await expect.poll(() => got).toEqual(["DATA", "ERROR"]);
    expect(server.stats.failed).toBe(1);
    expect(server.stats.active).toBe(0);
    await expect(new Promise((resolve, reject) => {
      const s = createSocket("udp4");
      s.once("error", reject);
      s.bind(port, "127.0.0.1", () => s.close(() => resolve("bound")));
    })).resolves.toBe("bound");
  });
});
