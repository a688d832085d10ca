// Netascii (RFC 1350 §1, RFC 764): LF goes out as CR LF and a bare CR as CR NUL.
// The converted size is unknown up front, so the source has no size and no tsize is offered.
import type { BlockSource } from "./_transfer.js";
import type { TftpSource } from "./_types.js";

/** Converts one chunk of local text to netascii (pure; carries no state across chunks). */
export function toNetascii(raw: Buffer): Buffer {
  let extra = 0;
  for (const b of raw) if (b === 0x0a || b === 0x0d) extra++;
  if (extra === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + extra);
  let at = 0;
  for (const b of raw) {
    if (b === 0x0a) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    } else if (b === 0x0d) {
      out[at++] = 0x0d;
      out[at++] = 0x00;
    } else out[at++] = b;
  }
  return out;
}

/** Wraps a source as a netascii stream; it expects the sequential reads a transfer makes. */
export function netasciiSource(source: TftpSource): BlockSource {
  let rawOffset = 0;
  let produced = 0;
  let pending = Buffer.alloc(0);
  return {
    size: undefined,
    async read(offset, length) {
      if (offset !== produced) throw new Error(`netascii reads must be sequential (at ${produced}, asked ${offset})`);
      while (pending.length < length && rawOffset < source.size) {
        const raw = await source.read(rawOffset, Math.min(64 * 1024, source.size - rawOffset));
        if (raw.length === 0) break;
        rawOffset += raw.length;
        pending = Buffer.concat([pending, toNetascii(raw)]);
      }
      const out = pending.subarray(0, length);
      pending = pending.subarray(out.length);
      produced += out.length;
      return out;
    },
  };
}
