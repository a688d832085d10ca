// TFTP as UEFI firmware does it, for the boot-storm client. Captured from OVMF's own PXE (edk2
// 2022.11, Debian 12) loading ipxe.efi from maekin in test/boot-qemu.test.ts: a size probe (RRQ
// tsize 0, blksize 1468, windowsize 4) ended by an ERROR (8, "User aborted the transfer") once the
// OACK came, then the RRQ itself (blksize 1468, windowsize 4) from a new port, ACKing every 4th
// block (RFC 7440). A server that grants no windowsize in its OACK (dnsmasq, tftpd-hpa) gets
// lock-step, as it does from the firmware; `windowsize: 1` asks for none (as BIOS PXE ROMs do).
import { createSocket, type Socket } from "node:dgram";

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
const rrq = (file: string, opts: [string, number][]) =>
  Buffer.from(`\0\x01${file}\0octet\0${opts.map(([k, v]) => `${k}\0${v}\0`).join("")}`, "latin1");
const ABORT = Buffer.from("\0\x05\0\x08User aborted the transfer\0", "latin1");
const ackOf = (block: number) => Buffer.from([0, 4, (block >> 8) & 255, block & 255]);

/** An option's value in an OACK, by name (case-insensitive). */
export function oackOption(msg: Buffer, name: string): number | undefined {
  const parts = msg.subarray(2).toString("latin1").split("\0");
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]!.toLowerCase() === name) return Number(parts[i + 1]);
  return undefined;
}

type Reply = (packet: Buffer, port: number) => void;

/**
 * Sends `first` to the request port from a fresh socket and hands each reply to `onMessage`
 * until it calls done; resends the last packet after `resendMs` of silence, RETRIES times.
 */
async function conversation<T>(host: string, o: FirmwareTftpOptions, first: Buffer,
  onMessage: (msg: Buffer, port: number, reply: Reply, done: (v: T) => void) => void): Promise<T> {
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
        if (msg.length < 4) return;
        if (msg.readUInt16BE(0) === 5) { clearInterval(timer); reject(new Error(`TFTP error: ${msg.subarray(4).toString("latin1").replace(/\0.*$/s, "")}`)); }
        else onMessage(msg, rinfo.port, reply, done);
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
  await conversation<void>(host, o, rrq(file, [["tsize", 0], ["blksize", BLKSIZE], ...win]), (_msg, port, reply, done) => {
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
  return conversation<FirmwareTftpResult>(host, o, rrq(file, [["blksize", BLKSIZE], ...win]), (msg, port, reply, done) => {
    const op = msg.readUInt16BE(0);
    if (op === 6) {
      if (oacked || expect > 1) return;
      oacked = true;
      blksize = oackOption(msg, "blksize") ?? 512;
      windowsize = oackOption(msg, "windowsize") ?? 1;
      ack(reply, 0, port);
      return;
    }
    if (op !== 3) return;
    const block = msg.readUInt16BE(2);
    if (o.lose) {
      const n = seen.get(block) ?? 0;
      seen.set(block, n + 1);
      if (o.lose(block, n)) return;
    }
    const final = msg.length - 4 < blksize;
    if (block === (expect & 0xffff)) {
      bytes += msg.length - 4;
      if (o.keep) chunks.push(Buffer.from(msg.subarray(4)));
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
