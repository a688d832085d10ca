// DATA packets laid out back to back in one buffer, headers written once: a run of blocks that a
// transfer sends without allocating or copying per block. A whole file's run can be shared by
// every transfer of that file (see _image-cache.ts): a boot storm sends one ipxe.efi to everyone.
import { Opcode } from "./_constants.js";
import { wireBlock } from "./_window.js";

/** Consecutive DATA packets from absolute block `first` on. */
export interface PacketRun {
  readonly first: number;
  /** One ready-to-send datagram per block (views into one buffer). */
  readonly packets: readonly Buffer[];
  /** True when the run's last packet is the file's last block (shorter than blksize). */
  readonly final: boolean;
  /** Bytes the run holds. */
  readonly bytes: number;
}

/**
 * Packs `data` (file bytes starting at block `first`) into DATA packets of `blksize` bytes.
 * With `final`, the last packet is the file's end: shorter than blksize, or an empty DATA
 * when the data is a whole number of blocks (RFC 1350 §6). With `shared`, the packets live in a
 * SharedArrayBuffer, so transfer workers can send them without a copy (see runOver).
 */
export function packetize(data: Buffer, first: number, blksize: number, final: boolean, shared = false): PacketRun {
  const full = Math.floor(data.length / blksize);
  const tail = data.length - full * blksize;
  const count = full + (final || tail > 0 ? 1 : 0);
  const size = data.length + 4 * count;
  const buf = shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
  const packets: Buffer[] = new Array<Buffer>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = i * blksize;
    const len = Math.min(blksize, data.length - start);
    buf.writeUInt16BE(Opcode.DATA, at);
    buf.writeUInt16BE(wireBlock(first + i), at + 2);
    data.copy(buf, at + 4, start, start + len);
    packets[i] = buf.subarray(at, at + 4 + len);
    at += 4 + len;
  }
  return { first, packets, final: final || tail > 0, bytes: buf.length };
}

/** The packet for absolute block `abs`, if the run holds it. */
export function packetAt(run: PacketRun, abs: number): Buffer | undefined {
  return run.packets[abs - run.first];
}

/** The absolute block after the run's last one. */
export const runEnd = (run: PacketRun): number => run.first + run.packets.length;

/** The bytes under a run's packets (one buffer, as packetize laid them out). */
export function runBytes(run: PacketRun): Uint8Array {
  const p = run.packets[0];
  return p ? new Uint8Array(p.buffer, p.byteOffset, run.bytes) : new Uint8Array(0);
}

/** The run packetize(…, first, blksize, final) laid out in `bytes`: the inverse of runBytes. */
export function runOver(bytes: Uint8Array, first: number, blksize: number, final: boolean): PacketRun {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: Buffer[] = [];
  for (let at = 0; at < buf.length; at += blksize + 4) packets.push(buf.subarray(at, Math.min(at + blksize + 4, buf.length)));
  return { first, packets, final, bytes: buf.length };
}

/** Room for DATA packets whose file data is read in place (see blankRun). */
export interface BlankRun {
  /** Where block first+i's data goes: blksize bytes each, for a scatter read (preadv). */
  readonly slots: readonly Buffer[];
  /** The run once `got` bytes are in the slots; `final` as for packetize (a short read is final). */
  fill(got: number, final: boolean): PacketRun;
}

/**
 * Space for `count` DATA packets from absolute block `first`, headers written, for file data read
 * straight into it: no buffer per read and no copy, where packetize needs both.
 */
export function blankRun(first: number, count: number, blksize: number): BlankRun {
  const stride = blksize + 4;
  const buf = Buffer.allocUnsafe(count * stride + 4); // + 4: room for an empty last DATA
  const slots: Buffer[] = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) slots[i] = buf.subarray(i * stride + 4, (i + 1) * stride);
  return {
    slots,
    fill(got, final) {
      const full = Math.floor(got / blksize);
      const tail = got - full * blksize;
      const n = full + (final || tail > 0 ? 1 : 0);
      const packets: Buffer[] = new Array<Buffer>(n);
      for (let i = 0; i < n; i++) {
        buf.writeUInt16BE(Opcode.DATA, i * stride);
        buf.writeUInt16BE(wireBlock(first + i), i * stride + 2);
        packets[i] = buf.subarray(i * stride, i * stride + 4 + Math.min(blksize, got - i * blksize));
      }
      return { first, packets, final: final || tail > 0, bytes: got + 4 * n };
    },
  };
}
