// TFTP as UEFI firmware does it, for the boot-storm client. Captured from OVMF's own PXE (edk2
// 2022.11, Debian 12) loading ipxe.efi from maekin in test/boot-qemu.test.ts: a size probe (RRQ
// tsize 0, blksize 1468, windowsize 4) ended by an ERROR (8, "User aborted the transfer") once the
// OACK came, then the RRQ itself (blksize 1468, windowsize 4) from a new port, ACKing every 4th
// block (RFC 7440). A server that grants no windowsize in its OACK (dnsmasq, tftpd-hpa) gets
// lock-step, as it does from the firmware; `windowsize: 1` asks for none (as BIOS PXE ROMs do).
import { createSocket, type Socket } from "node:dgram";
import { decode, encode } from "../../src/net/tftp/_codec.js";
import type { OackPacket, TftpPacket } from "../../src/net/tftp/_packet.js";

export interface FirmwareTftpOptions {
  /** The windowsize asked for; 1 asks for none. */
  readonly windowsize: number;
  /** The server's request port (69). */
  readonly port?: number;
  /** Silence after which the last packet is sent again (1 s, as firmware and iPXE wait). */
  readonly resendMs?: number;
  /** Keep the file's bytes (for tests); the storm only counts them. */
  readonly keep?: boolean;
  /** For tests: true drops this DATA as a lossy network would (n counts copies of the block seen). */
  readonly lose?: (block: number, n: number) => boolean;
}

export interface FirmwareTftpResult {
  readonly bytes: number;
  /** What the server's OACK granted (blksize 512 and windowsize 1 when it named none). */
  readonly blksize: number;
  readonly windowsize: number;
  /** ACKs sent in the transfer, the one for the OACK included. */
  readonly acks: number;
  readonly data?: Buffer;
}

const BLKSIZE = 1468;
const RETRIES = 8;
const rrq = (filename: string, opts: [string, number][]) =>
  encode({ op: "RRQ", filename, mode: "octet", options: opts.map(([name, value]) => ({ name, value: String(value) })) });
const ABORT = encode({ op: "ERROR", code: 8, message: "User aborted the transfer" });
const ackOf = (block: number) => encode({ op: "ACK", block });
const option = (p: OackPacket, name: string) => {
  const value = p.options.find((o) => o.name.toLowerCase() === name)?.value;
  return value === undefined ? undefined : Number(value);
};

type Reply = (packet: Buffer, port: number) => void;

/**
 * Sends `first` to the request port from a fresh socket and hands each reply to `onMessage`
 * until it calls done; resends the last packet after `resendMs` of silence, RETRIES times.
 */
async function conversation<T>(host: string, o: FirmwareTftpOptions, first: Buffer,
  onMessage: (packet: TftpPacket, port: number, reply: Reply, done: (v: T) => void) => void): Promise<T> {
  const sock: Socket = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, r));
  try {
    return await new Promise<T>((resolve, reject) => {
      let last = first;
      let lastTo = o.port ?? 69;
      let tries = 0;
      let heard = true; // something arrived since the last tick
      const send = () => sock.send(last, lastTo, host);
      const timer = setInterval(() => {
        if (heard) { heard = false; return; }
        if (++tries > RETRIES) { clearInterval(timer); reject(new Error("TFTP timeout")); } else send();
      }, o.resendMs ?? 1000);
      const reply: Reply = (b, port) => { last = b; lastTo = port; tries = 0; send(); };
      const done = (v: T) => { clearInterval(timer); resolve(v); };
      sock.on("message", (msg, rinfo) => {
        heard = true;
        const d = decode(msg);
        if (!d.ok) return;
        if (d.packet.op === "ERROR") { clearInterval(timer); reject(new Error(`TFTP error ${d.packet.code}: ${d.packet.message}`)); }
        else onMessage(d.packet, rinfo.port, reply, done);
      });
      send();
    });
  } finally {
    sock.close();
  }
}

/** Fetches `file` from `host` as UEFI firmware does: size probe, then a windowed read. */
export async function firmwareTftpGet(host: string, file: string, o: FirmwareTftpOptions): Promise<FirmwareTftpResult> {
  const win: [string, number][] = o.windowsize > 1 ? [["windowsize", o.windowsize]] : [];
  // The size probe: the firmware ends it as soon as the OACK (or a first DATA) is in.
  await conversation<void>(host, o, rrq(file, [["tsize", 0], ["blksize", BLKSIZE], ...win]), (_p, port, reply, done) => {
    reply(ABORT, port);
    done();
  });
  let expect = 1; // next block wanted, not wrapped
  let inWindow = 0; // blocks taken since the last ACK
  let blksize = 512;
  let windowsize = 1;
  let acks = 0;
  let bytes = 0;
  let resynced = false; // an out-of-order block was answered since the last progress
  let oacked = false;
  const chunks: Buffer[] = [];
  const seen = new Map<number, number>();
  const ack = (reply: Reply, block: number, port: number) => { acks++; reply(ackOf(block), port); };
  return conversation<FirmwareTftpResult>(host, o, rrq(file, [["blksize", BLKSIZE], ...win]), (p, port, reply, done) => {
    if (p.op === "OACK") {
      if (oacked || expect > 1) return;
      oacked = true;
      blksize = option(p, "blksize") ?? 512;
      windowsize = option(p, "windowsize") ?? 1;
      ack(reply, 0, port);
      return;
    }
    if (p.op !== "DATA") return;
    const block = p.block;
    if (o.lose) {
      const n = seen.get(block) ?? 0;
      seen.set(block, n + 1);
      if (o.lose(block, n)) return;
    }
    const final = p.data.length < blksize;
    if (block === (expect & 0xffff)) {
      bytes += p.data.length;
      if (o.keep) chunks.push(Buffer.from(p.data));
      expect++;
      resynced = false;
      if (final || ++inWindow >= windowsize) { inWindow = 0; ack(reply, block, port); }
      if (final) done({ bytes, blksize, windowsize, acks, ...(o.keep ? { data: Buffer.concat(chunks) } : {}) });
    } else if (!resynced) {
      // A gap or a repeat: ACK the last block in order, once, and the server goes on from there.
      resynced = true;
      inWindow = 0;
      ack(reply, (expect - 1) & 0xffff, port);
    }
  });
}
