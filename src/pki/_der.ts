// The few DER (ITU-T X.690) encodings a node certificate needs. Pure: bytes in, bytes out.
// Why not the ASN.1 library behind @peculiar/x509: building one certificate through it took
// ~20 ms of CPU (schema objects, encode, re-parse), which capped registrations at ~40/s per core.

/** A TLV with `tag` around the concatenated contents. */
export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else if (n < 0x100) head = [tag, 0x81, n];
  else if (n < 0x10000) head = [tag, 0x82, n >> 8, n & 0xff];
  else head = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(head), body]);
}

/** SEQUENCE. */
export const seq = (...items: readonly Buffer[]) => tlv(0x30, ...items);

/** SET (callers pass one element, so no sorting is needed). */
export const set = (...items: readonly Buffer[]) => tlv(0x31, ...items);

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const bytes: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const groups = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** INTEGER from big-endian magnitude bytes (a 0x00 is prepended when the top bit is set). */
export function integer(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return tlv(0x02, (trimmed[0]! & 0x80) ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** UTF8String. */
export const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, "utf8"));

/** BOOLEAN TRUE (DER writes FALSE by leaving a DEFAULT FALSE field out). */
export const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** OCTET STRING. */
export const octets = (bytes: Buffer) => tlv(0x04, bytes);

/** BIT STRING of whole bytes, or with `unused` trailing bits of the last byte. */
export const bits = (bytes: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), bytes);

/** RFC 5280 section 4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, "ascii")) : tlv(0x18, Buffer.from(`${digits}Z`, "ascii"));
}

/** The TLVs inside the constructed TLV `der` (whole, tags included); throws on a truncated input. */
export function children(der: Buffer): Buffer[] {
  const { start, end } = extent(der, 0);
  const out: Buffer[] = [];
  for (let at = start; at < end;) {
    const child = extent(der, at);
    out.push(der.subarray(at, child.end));
    at = child.end;
  }
  return out;
}

/** Where the contents of the TLV at `at` start and where the TLV ends. */
function extent(der: Buffer, at: number): { start: number; end: number } {
  const first = der[at + 1];
  if (first === undefined) throw new RangeError("DER: truncated");
  let length = first;
  let start = at + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? Number.NaN);
    start += count;
  }
  const end = start + length;
  if (!(end <= der.length)) throw new RangeError("DER: truncated");
  return { start, end };
}
