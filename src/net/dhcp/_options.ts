// DHCP options as an ordered list of raw TLVs, with typed accessors for the codes maekin uses.
// Raw bytes are kept so unknown options survive a decode/encode round trip unchanged.
import { parseIpv4 } from "../../model/ipv4.js";
import { Opt } from "./_constants.js";

/** One option: its code and its (RFC 3396-concatenated) payload. */
export interface DhcpOption {
  readonly code: number;
  readonly data: Buffer;
}

/** RFC 4578 section 2.2: client network device interface (UNDI version). */
export interface ClientNdi { readonly type: number; readonly major: number; readonly minor: number }
/** RFC 4578 section 2.3: client machine identifier; type 0 is a 16-octet GUID. */
export interface ClientUuid { readonly type: number; readonly guid: string }

/** The decoded value type of each typed option code. */
export interface OptionValues {
  1: string; 3: string[]; 6: string[]; 12: string; 15: string; 28: string; 43: Buffer;
  50: string; 51: number; 52: number; 53: number; 54: string; 55: number[]; 56: string; 57: number;
  58: number; 59: number; 60: string; 61: Buffer; 66: string; 67: string; 77: string; 82: Buffer;
  93: number[]; 94: ClientNdi; 97: ClientUuid;
}
/** An option code with a typed accessor. */
export type TypedCode = keyof OptionValues;

interface Codec<T> { decode(b: Buffer): T | undefined; encode(v: T): Buffer }

/** Dotted quad to 4 bytes; undefined for anything else. */
export function ipToBytes(ip: string): Buffer | undefined {
  const n = parseIpv4(ip);
  if (n === undefined) return undefined;
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(n);
  return out;
}
/** 4 bytes at offset to a dotted quad. */
export function bytesToIp(b: Buffer, offset = 0): string {
  const a = b[offset] ?? 0, c = b[offset + 1] ?? 0, d = b[offset + 2] ?? 0, e = b[offset + 3] ?? 0;
  // Most header addresses of a request are unset: no string to build for those.
  if ((a | c | d | e) === 0) return "0.0.0.0";
  return `${a}.${c}.${d}.${e}`;
}
function mustIp(ip: string): Buffer {
  const b = ipToBytes(ip);
  if (!b) throw new TypeError(`not an IPv4 address: ${ip}`);
  return b;
}

const ip: Codec<string> = { decode: (b) => (b.length === 4 ? bytesToIp(b) : undefined), encode: mustIp };
const ips: Codec<string[]> = {
  decode: (b) => (b.length > 0 && b.length % 4 === 0 ? Array.from({ length: b.length / 4 }, (_, i) => bytesToIp(b, i * 4)) : undefined),
  encode: (v) => Buffer.concat(v.map(mustIp)),
};
const u8: Codec<number> = { decode: (b) => (b.length === 1 ? b[0] : undefined), encode: (v) => Buffer.from([v & 0xff]) };
const u16: Codec<number> = { decode: (b) => (b.length === 2 ? b.readUInt16BE(0) : undefined), encode: (v) => { const o = Buffer.alloc(2); o.writeUInt16BE(v); return o; } };
const u32: Codec<number> = { decode: (b) => (b.length === 4 ? b.readUInt32BE(0) : undefined), encode: (v) => { const o = Buffer.alloc(4); o.writeUInt32BE(v >>> 0); return o; } };
// Some clients NUL-terminate strings; the terminator is not part of the value.
const str: Codec<string> = { decode: decodeString, encode: (v) => Buffer.from(v, "latin1") };
function decodeString(b: Buffer): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.toString("latin1", 0, end);
}
const bytes: Codec<Buffer> = { decode: (b) => b, encode: (v) => v };
const u8list: Codec<number[]> = { decode: (b) => [...b], encode: (v) => Buffer.from(v) };
const u16list: Codec<number[]> = {
  decode: (b) => (b.length > 0 && b.length % 2 === 0 ? Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2)) : undefined),
  encode: (v) => { const o = Buffer.alloc(v.length * 2); v.forEach((x, i) => o.writeUInt16BE(x, i * 2)); return o; },
};
const ndi: Codec<ClientNdi> = {
  decode: (b) => (b.length === 3 ? { type: b[0] ?? 0, major: b[1] ?? 0, minor: b[2] ?? 0 } : undefined),
  encode: (v) => Buffer.from([v.type, v.major, v.minor]),
};
const uuid: Codec<ClientUuid> = {
  decode: (b) => (b.length === 17 ? { type: b[0] ?? 0, guid: formatGuid(b.subarray(1)) } : undefined),
  encode: (v) => Buffer.concat([Buffer.from([v.type]), Buffer.from(v.guid.replace(/-/g, ""), "hex")]),
};
function formatGuid(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const CODECS: { [C in TypedCode]: Codec<OptionValues[C]> } = {
  1: ip, 3: ips, 6: ips, 12: str, 15: str, 28: ip, 43: bytes, 50: ip, 51: u32, 52: u8, 53: u8, 54: ip,
  55: u8list, 56: str, 57: u16, 58: u32, 59: u32, 60: str, 61: bytes, 66: str, 67: str, 77: str, 82: bytes,
  93: u16list, 94: ndi, 97: uuid,
};

/** Readable option names for dumps and logs. */
export const OPTION_NAMES: Readonly<Record<number, string>> = {
  1: "subnet-mask", 3: "router", 6: "dns", 12: "hostname", 15: "domain", 28: "broadcast", 43: "vendor-specific",
  50: "requested-ip", 51: "lease-time", 52: "overload", 53: "message-type", 54: "server-id", 55: "parameter-request",
  56: "message", 57: "max-message-size", 58: "renewal-time", 59: "rebinding-time", 60: "vendor-class",
  61: "client-id", 66: "tftp-server", 67: "bootfile", 77: "user-class", 82: "relay-agent-info", 93: "client-arch",
  94: "client-ndi", 97: "client-uuid", 175: "ipxe-encapsulated",
};

/** True when code has a typed accessor. */
export function isTypedCode(code: number): code is TypedCode {
  return Object.hasOwn(CODECS, code);
}

/** The first option with this code, raw. */
export function findOption(options: readonly DhcpOption[], code: number): DhcpOption | undefined {
  // A plain loop: this runs a dozen times per request, and a closure per call shows in profiles.
  for (let i = 0; i < options.length; i++) if (options[i]!.code === code) return options[i];
  return undefined;
}

/** The typed value of option code, or undefined when absent or malformed. */
export function getOption<C extends TypedCode>(options: readonly DhcpOption[], code: C): OptionValues[C] | undefined {
  const found = findOption(options, code);
  if (!found) return undefined;
  return (CODECS[code] as Codec<OptionValues[C]>).decode(found.data);
}

/** Makes a raw option from a typed value. */
export function option<C extends TypedCode>(code: C, value: OptionValues[C]): DhcpOption {
  return { code, data: (CODECS[code] as Codec<OptionValues[C]>).encode(value) };
}

/** The typed value of a raw option for dumps: undefined when the code is untyped or the payload malformed. */
export function describeOption(o: DhcpOption): unknown {
  return isTypedCode(o.code) ? (CODECS[o.code] as Codec<unknown>).decode(o.data) : undefined;
}

/** Options collected from a packet's TLV areas, in order of first appearance. RFC 3396 parts of a
 * repeated code wait in `split` and are joined once by joinSplit(); past 32 codes, an index. */
export interface TlvCollector {
  readonly options: DhcpOption[];
  index?: Map<number, number>;
  split?: Map<number, Buffer[]>;
}

function slotOf(into: TlvCollector, code: number): number {
  if (into.index) return into.index.get(code) ?? -1;
  // A plain scan: a request has a dozen or two codes, and at most 254 distinct ones exist.
  const o = into.options;
  for (let i = 0; i < o.length; i++) if (o[i]!.code === code) return i;
  return -1;
}

/** Parses the TLV area buf[start, end) into `into`; returns an error text or undefined. Offsets in errors are area-relative. */
export function parseTlv(buf: Buffer, start: number, end: number, into: TlvCollector): string | undefined {
  let i = start;
  while (i < end) {
    const code = buf[i] ?? Opt.END;
    if (code === Opt.PAD) { i++; continue; }
    if (code === Opt.END) return undefined;
    const len = i + 1 < end ? buf[i + 1] : undefined;
    if (len === undefined || i + 2 + len > end) return `option ${code} at offset ${i - start} overruns its field`;
    // A single part stays a view of the datagram (which nothing else holds).
    const data = buf.subarray(i + 2, i + 2 + len);
    const at = slotOf(into, code);
    if (at < 0) {
      into.index?.set(code, into.options.length);
      into.options.push({ code, data });
      if (!into.index && into.options.length > 32) into.index = new Map(into.options.map((o, k) => [o.code, k]));
    } else {
      const split = (into.split ??= new Map<number, Buffer[]>());
      const parts = split.get(code);
      if (parts) parts.push(data);
      else split.set(code, [into.options[at]!.data, data]);
    }
    i += 2 + len;
  }
  // RFC 2131 says options end with END, but many clients stop at the end of the field: accept that.
  return undefined;
}

/** The collected options, each repeated code's parts joined into one copy (RFC 3396). */
export function joinSplit(into: TlvCollector): DhcpOption[] {
  if (into.split) for (const [code, parts] of into.split) into.options[slotOf(into, code)] = { code, data: Buffer.concat(parts) };
  return into.options;
}

/** Serializes options as TLVs, splitting payloads over 255 octets per RFC 3396; no END. */
export function serializeTlv(options: readonly DhcpOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const o of options) {
    if (o.code === Opt.PAD || o.code === Opt.END) continue;
    if (o.data.length === 0) { parts.push(Buffer.from([o.code, 0])); continue; }
    for (let off = 0; off < o.data.length; off += 255) {
      const chunk = o.data.subarray(off, off + 255);
      parts.push(Buffer.from([o.code, chunk.length]), chunk);
    }
  }
  return Buffer.concat(parts);
}
