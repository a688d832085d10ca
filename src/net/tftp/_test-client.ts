// Test support for the server tests (not exported by index.ts): servers on loopback port 0 and a
// tiny TFTP reader that can lose, duplicate and forge packets. Uses no test framework, so each
// test file wires cleanup() into its own afterEach.
import { createHash } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { encode, decode } from "./_codec.js";
import type { TftpOption } from "./_packet.js";
import { createTftpServer, type TftpServer, type TftpServerOptions } from "./_server.js";

/** How the test reader misbehaves. */
export interface FetchOptions {
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

/** What the test reader got. */
export interface FetchResult {
  data: Buffer;
  oack: TftpOption[] | undefined;
  error: { code: number; message: string } | undefined;
  tidPorts: Set<number>;
}

/** Servers and client sockets on 127.0.0.1 that cleanup() closes. */
export function createLoopback() {
  const sockets: Socket[] = [];
  const servers: TftpServer[] = [];

  const start = async (options: Partial<TftpServerOptions> & Pick<TftpServerOptions, "handler">) => {
    const server = createTftpServer({ address: "127.0.0.1", port: 0, timeoutMs: 50, retries: 4, ...options });
    servers.push(server);
    const { port } = await server.listen();
    return { server, port };
  };

  const udp = async () => {
    const s = createSocket("udp4");
    sockets.push(s);
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return s;
  };

  const cleanup = async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const s of servers.splice(0)) await s.close();
  };

  /** A minimal RFC 1350/2347/7440 reader: ACKs each window (or a gap), resends its last ACK when idle. */
  const fetch = async (port: number, o: FetchOptions = {}, timeoutMs = 20_000): Promise<FetchResult> => {
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
  };

  return { start, udp, fetch, cleanup };
}

/** `size` bytes of a fixed, non-repeating pattern. */
export const pattern = (size: number): Buffer => {
  const b = Buffer.allocUnsafe(size + 4);
  for (let i = 0; i < size; i += 4) b.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, i);
  return b.subarray(0, size);
};

/** sha256 in hex, to compare files without printing megabytes on a failure. */
export const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** The ops (DATA, OACK, ERROR, ...) of every valid packet `client` receives, as they come. */
export function opsReceived(client: Socket): string[] {
  const ops: string[] = [];
  client.on("message", (m) => {
    const d = decode(m);
    if (d.ok) ops.push(d.packet.op);
  });
  return ops;
}
