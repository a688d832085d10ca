// BOOTP/DHCPv4 message codec (RFC 951, RFC 2131, RFC 2132, RFC 3396). No sockets, no policy.
import {
  BOOTP_MIN_LENGTH, DEFAULT_MAX_MESSAGE_SIZE, FIXED_HEADER_LENGTH, IP_UDP_OVERHEAD, MAGIC_COOKIE, OPTIONS_OFFSET, Opt, Overload,
} from "./_constants.js";
import { DhcpError } from "./errors.js";
import { parseIpv4 } from "../../model/ipv4.js";
import { bytesToIp, joinSplit, parseTlv, serializeTlv, type DhcpOption, type TlvCollector } from "./_options.js";

/** A decoded BOOTP/DHCP message; addresses are dotted quads, options an ordered raw list. */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** All 16 octets of chaddr as sent. */
  chaddr: Buffer;
  /** Server host name (empty when the field carried options, RFC 2132 section 9.3). */
  sname: string;
  /** Boot file name (empty when the field carried options). */
  file: string;
  options: DhcpOption[];
}

/** Why a datagram was not a usable DHCP message; the server counts these by code. */
export interface DecodeError {
  readonly code: "short" | "op" | "hlen" | "cookie" | "options";
  readonly message: string;
}

/** Result of decodePacket: never an exception. */
export type DecodeResult = { ok: true; packet: DhcpPacket } | { ok: false; error: DecodeError };

const SNAME_OFFSET = 44;
const FILE_OFFSET = 108;

/** The NUL-terminated text in buf[start, end). */
function cString(buf: Buffer, start: number, end: number): string {
  if (buf[start] === 0) return "";
  const nul = buf.indexOf(0, start);
  return buf.toString("latin1", start, nul < 0 || nul > end ? end : nul);
}

function fail(code: DecodeError["code"], message: string): DecodeResult {
  return { ok: false, error: { code, message } };
}

/** Decodes one UDP payload; returns an error value for anything malformed. */
export function decodePacket(buf: Buffer): DecodeResult {
  if (buf.length < OPTIONS_OFFSET) return fail("short", `${buf.length} octets, need at least ${OPTIONS_OFFSET}`);
  const op = buf.readUInt8(0);
  if (op !== 1 && op !== 2) return fail("op", `op ${op} is neither BOOTREQUEST nor BOOTREPLY`);
  const hlen = buf.readUInt8(2);
  if (hlen > 16) return fail("hlen", `hlen ${hlen} exceeds the 16-octet chaddr`);
  if (buf.readUInt32BE(FIXED_HEADER_LENGTH) !== MAGIC_COOKIE) return fail("cookie", "no DHCP magic cookie (plain BOOTP is not served)");

  // Options in order of first appearance; a single part is a view of the datagram (which nothing else holds).
  const into: TlvCollector = { options: [] };
  const err = parseTlv(buf, OPTIONS_OFFSET, buf.length, into);
  if (err) return fail("options", err);
  const overloadAt = into.options.findIndex(isOverload);
  const overload = overloadAt < 0 ? 0 : (into.options[overloadAt]!.data[0] ?? 0); // the first part's, as sent
  // RFC 2131 section 4.1: 'file' is read before 'sname' when both are overloaded.
  if (overload & Overload.FILE) {
    const e = parseTlv(buf, FILE_OFFSET, FIXED_HEADER_LENGTH, into);
    if (e) return fail("options", `in file field: ${e}`);
  }
  if (overload & Overload.SNAME) {
    const e = parseTlv(buf, SNAME_OFFSET, FILE_OFFSET, into);
    if (e) return fail("options", `in sname field: ${e}`);
  }
  const options = joinSplit(into);
  const at = options.findIndex(isOverload); // not data: it said where the options were
  if (at >= 0) options.splice(at, 1);
  const chaddr = Buffer.allocUnsafe(16);
  buf.copy(chaddr, 0, 28, 44);
  return {
    ok: true,
    packet: {
      op, htype: buf.readUInt8(1), hlen, hops: buf.readUInt8(3), xid: buf.readUInt32BE(4), secs: buf.readUInt16BE(8),
      flags: buf.readUInt16BE(10), ciaddr: bytesToIp(buf, 12), yiaddr: bytesToIp(buf, 16), siaddr: bytesToIp(buf, 20),
      giaddr: bytesToIp(buf, 24), chaddr,
      sname: overload & Overload.SNAME ? "" : cString(buf, SNAME_OFFSET, FILE_OFFSET),
      file: overload & Overload.FILE ? "" : cString(buf, FILE_OFFSET, FIXED_HEADER_LENGTH),
      options,
    },
  };
}

function isOverload(o: DhcpOption): boolean {
  return o.code === Opt.OVERLOAD;
}

/** The client hardware address as lower-case colon form (hlen octets of chaddr). */
export function macOf(p: Pick<DhcpPacket, "chaddr" | "hlen">): string {
  const n = Math.min(p.hlen, 16, p.chaddr.length);
  let out = "";
  for (let i = 0; i < n; i++) out += i === 0 ? HEX[p.chaddr[i]!]! : `:${HEX[p.chaddr[i]!]!}`;
  return out;
}
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lower-case colon MAC to 16 octets of chaddr. */
export function chaddrOf(mac: string): Buffer {
  const out = Buffer.alloc(16);
  Buffer.from(mac.replace(/[:-]/g, ""), "hex").copy(out);
  return out;
}

/** Options for encodePacket. */
export interface EncodeOptions {
  /** RFC 2132 section 9.10 maximum message size (IP datagram octets); default 576. */
  maxSize?: number;
}

function putField(buf: Buffer, offset: number, size: number, text: string): void {
  // latin1: one octet per character, written in place (no intermediate buffer).
  if (text.length > size) throw new DhcpError("too-large", `"${text}" does not fit the ${size}-octet field; shorten it`);
  if (text.length > 0) buf.write(text, offset, size, "latin1");
}

/** Octets an option takes as TLVs (RFC 3396 splits payloads over 255 octets). */
function tlvLength(o: DhcpOption): number {
  if (o.code === Opt.PAD || o.code === Opt.END) return 0;
  return o.data.length === 0 ? 2 : o.data.length + 2 * Math.ceil(o.data.length / 255);
}

function writeHeader(p: DhcpPacket, buf: Buffer): void {
  buf.writeUInt8(p.op, 0); buf.writeUInt8(p.htype, 1); buf.writeUInt8(p.hlen, 2); buf.writeUInt8(p.hops, 3);
  buf.writeUInt32BE(p.xid >>> 0, 4); buf.writeUInt16BE(p.secs, 8); buf.writeUInt16BE(p.flags, 10);
  putAddress(buf, 0, p.ciaddr); putAddress(buf, 1, p.yiaddr); putAddress(buf, 2, p.siaddr); putAddress(buf, 3, p.giaddr);
  p.chaddr.copy(buf, 28, 0, 16);
}

function putAddress(buf: Buffer, i: number, a: string): void {
  const n = parseIpv4(a);
  if (n === undefined) throw new DhcpError("bad-options", `address field ${i} is not an IPv4 address: ${a}`);
  buf.writeUInt32BE(n, 12 + i * 4);
}

/** A message whose options fit the options field: header, cookie, TLVs and END written into one buffer. */
function encodeSimple(p: DhcpPacket, options: readonly DhcpOption[], total: number): Buffer {
  // From node's shared pool (a slice, not an ArrayBuffer of its own per reply), zeroed by hand.
  const buf = Buffer.allocUnsafe(Math.max(OPTIONS_OFFSET + total + 1, BOOTP_MIN_LENGTH)).fill(0);
  writeHeader(p, buf);
  putField(buf, SNAME_OFFSET, 64, p.sname);
  putField(buf, FILE_OFFSET, 128, p.file);
  buf.writeUInt32BE(MAGIC_COOKIE, FIXED_HEADER_LENGTH);
  let at = OPTIONS_OFFSET;
  for (const o of options) {
    if (o.code === Opt.PAD || o.code === Opt.END) continue;
    if (o.data.length === 0) { buf[at++] = o.code; buf[at++] = 0; continue; }
    for (let off = 0; off < o.data.length; off += 255) {
      const len = Math.min(255, o.data.length - off);
      buf[at++] = o.code;
      buf[at++] = len;
      at += o.data.copy(buf, at, off, off + len);
    }
  }
  buf[at] = Opt.END;
  return buf;
}

/** Encodes a message; options that overflow go to 'file' then 'sname' (RFC 2132 overload) when those are empty. */
export function encodePacket(p: DhcpPacket, opts: EncodeOptions = {}): Buffer {
  const maxPayload = Math.max(opts.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_SIZE) - IP_UDP_OVERHEAD;
  const room = maxPayload - OPTIONS_OFFSET;
  let kept = p.options;
  let total = 0;
  for (const o of kept) {
    if (o.code === Opt.OVERLOAD) kept = p.options.filter((x) => x.code !== Opt.OVERLOAD); // ours to set, never copied
    else total += tlvLength(o);
  }
  // The common case, every reply maekin sends: one buffer, options written in place.
  if (total + 1 <= room) return encodeSimple(p, kept, total);
  const chunks = kept.map((o) => serializeTlv([o]));
  const head = Buffer.alloc(FIXED_HEADER_LENGTH);
  writeHeader(p, head);

  let main: Buffer[] = chunks;
  if (total + 1 > room) {
    if (p.sname || p.file) throw new DhcpError("too-large", `options need ${total + 1} octets but only ${room} fit and sname/file are in use; drop options or raise option 57`);
    // Overload: 3 octets for option 52 in the main area, then fill main, file, sname in turn.
    const areas = [{ size: room - 4, parts: [] as Buffer[], used: 0 }, { size: 127, parts: [] as Buffer[], used: 0 }, { size: 63, parts: [] as Buffer[], used: 0 }];
    for (const c of chunks) {
      const area = areas.find((x) => x.used + c.length <= x.size);
      if (!area) throw new DhcpError("too-large", `options need more than ${maxPayload} octets even with overload; drop options`);
      area.parts.push(c); area.used += c.length;
    }
    const [m, f, s] = areas as [typeof areas[0], typeof areas[0], typeof areas[0]];
    const overload = (f.used ? Overload.FILE : 0) | (s.used ? Overload.SNAME : 0);
    main = [Buffer.from([Opt.OVERLOAD, 1, overload]), ...m.parts];
    if (f.used) Buffer.concat([...f.parts, Buffer.from([Opt.END])]).copy(head, FILE_OFFSET);
    if (s.used) Buffer.concat([...s.parts, Buffer.from([Opt.END])]).copy(head, SNAME_OFFSET);
  } else {
    putField(head, SNAME_OFFSET, 64, p.sname);
    putField(head, FILE_OFFSET, 128, p.file);
  }
  const cookie = Buffer.alloc(4);
  cookie.writeUInt32BE(MAGIC_COOKIE);
  const body = Buffer.concat([head, cookie, ...main, Buffer.from([Opt.END])]);
  return body.length >= BOOTP_MIN_LENGTH ? body : Buffer.concat([body, Buffer.alloc(BOOTP_MIN_LENGTH - body.length)]);
}
