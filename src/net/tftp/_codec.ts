// Pure TFTP codec: bytes to packets and back. No sockets, no policy; decode never throws.
import { Opcode } from "./_constants.js";
import type { DecodeFailure, DecodeResult, TftpOption, TftpPacket } from "./_packet.js";

// Filenames and options must be valid UTF-8 (ASCII in practice); a bad byte makes the
// packet malformed rather than silently naming a different file.
const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

const fail = (reason: DecodeFailure["reason"], detail: string): DecodeResult => ({ ok: false, error: { reason, detail } });

/** Splits NUL-terminated strings from `start`; null when the last one has no terminator. */
function cStrings(buf: Buffer, start: number): Buffer[] | null {
  const out: Buffer[] = [];
  let at = start;
  while (at < buf.length) {
    const nul = buf.indexOf(0, at);
    if (nul < 0) return null;
    out.push(buf.subarray(at, nul));
    at = nul + 1;
  }
  return out;
}

function text(bytes: Buffer): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** Reads option pairs; trailing empty strings (NUL padding some PXE ROMs add) end the list. */
function options(parts: readonly Buffer[]): TftpOption[] | DecodeFailure {
  const out: TftpOption[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const rawName = parts[i];
    if (!rawName || rawName.length === 0) {
      if (parts.slice(i).every((p) => p.length === 0)) break;
      return { reason: "option-without-value", detail: `empty option name at pair ${i / 2}` };
    }
    const rawValue = parts[i + 1];
    const name = text(rawName);
    if (name === null) return { reason: "bad-encoding", detail: `option name at pair ${i / 2} is not UTF-8` };
    if (rawValue === undefined) return { reason: "option-without-value", detail: `option "${name}" has no value` };
    const value = text(rawValue);
    if (value === null) return { reason: "bad-encoding", detail: `value of option "${name}" is not UTF-8` };
    out.push({ name, value });
  }
  return out;
}

/** Decodes one datagram into a TFTP packet, or says why it is not one. Never throws. */
export function decode(buf: Buffer): DecodeResult {
  if (buf.length < 2) return fail("too-short", `${buf.length} bytes, need at least 2`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case Opcode.RRQ:
    case Opcode.WRQ: {
      const parts = cStrings(buf, 2);
      if (parts === null) return fail("unterminated-string", "request string lacks its NUL terminator");
      const [rawFile, rawMode, ...rest] = parts;
      if (rawFile === undefined || rawMode === undefined) return fail("missing-mode", "request needs filename and mode");
      const filename = text(rawFile);
      const mode = text(rawMode);
      if (filename === null || mode === null) return fail("bad-encoding", "filename or mode is not UTF-8");
      if (mode.length === 0) return fail("missing-mode", "empty transfer mode");
      const opts = options(rest);
      if (!Array.isArray(opts)) return { ok: false, error: opts };
      return { ok: true, packet: { op: op === Opcode.RRQ ? "RRQ" : "WRQ", filename, mode, options: opts } };
    }
    case Opcode.DATA:
      if (buf.length < 4) return fail("too-short", `DATA of ${buf.length} bytes, need 4`);
      return { ok: true, packet: { op: "DATA", block: buf.readUInt16BE(2), data: buf.subarray(4) } };
    case Opcode.ACK:
      // Trailing bytes after the block number are tolerated: some ROMs pad short packets.
      if (buf.length < 4) return fail("too-short", `ACK of ${buf.length} bytes, need 4`);
      return { ok: true, packet: { op: "ACK", block: buf.readUInt16BE(2) } };
    case Opcode.ERROR: {
      if (buf.length < 4) return fail("too-short", `ERROR of ${buf.length} bytes, need 4`);
      // The message is for humans: a missing NUL or odd bytes do not hide the error itself.
      const end = buf.indexOf(0, 4);
      const message = lenient.decode(buf.subarray(4, end < 0 ? buf.length : end));
      return { ok: true, packet: { op: "ERROR", code: buf.readUInt16BE(2), message } };
    }
    case Opcode.OACK: {
      const parts = cStrings(buf, 2);
      if (parts === null) return fail("unterminated-string", "OACK string lacks its NUL terminator");
      const opts = options(parts);
      if (!Array.isArray(opts)) return { ok: false, error: opts };
      return { ok: true, packet: { op: "OACK", options: opts } };
    }
    default:
      return fail("unknown-opcode", `opcode ${op}`);
  }
}

function header(op: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt16BE(op, 0);
  return buf;
}

function strings(op: number, parts: readonly string[]): Buffer {
  const bytes = parts.map((p) => Buffer.from(p, "utf8"));
  const buf = header(op, 2 + bytes.reduce((n, b) => n + b.length + 1, 0));
  let at = 2;
  for (const b of bytes) {
    at += b.copy(buf, at);
    buf[at++] = 0;
  }
  return buf;
}

const flat = (opts: readonly TftpOption[]) => opts.flatMap((o) => [o.name, o.value]);

/** Encodes a packet to its wire bytes. Block numbers and codes are taken modulo 2^16. */
export function encode(packet: TftpPacket): Buffer {
  switch (packet.op) {
    case "RRQ":
    case "WRQ":
      return strings(Opcode[packet.op], [packet.filename, packet.mode, ...flat(packet.options)]);
    case "DATA": {
      const buf = header(Opcode.DATA, 4 + packet.data.length);
      buf.writeUInt16BE(packet.block & 0xffff, 2);
      packet.data.copy(buf, 4);
      return buf;
    }
    case "ACK": {
      const buf = header(Opcode.ACK, 4);
      buf.writeUInt16BE(packet.block & 0xffff, 2);
      return buf;
    }
    case "ERROR": {
      const msg = Buffer.from(packet.message, "utf8");
      const buf = header(Opcode.ERROR, 5 + msg.length);
      buf.writeUInt16BE(packet.code & 0xffff, 2);
      msg.copy(buf, 4);
      buf[4 + msg.length] = 0;
      return buf;
    }
    case "OACK":
      return strings(Opcode.OACK, flat(packet.options));
  }
}
