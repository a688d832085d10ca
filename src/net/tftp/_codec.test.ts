import { describe, expect, it } from "vitest";
import { decode, encode } from "./_codec.js";
import type { TftpPacket } from "./_packet.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const ascii = (s: string) => Buffer.from(s, "latin1");

// Captured-style datagrams, as clients and servers put them on the wire.
const fixtures: Array<[string, Buffer, TftpPacket]> = [
  ["iPXE-style RRQ with blksize and tsize", Buffer.concat([hex("0001"), ascii("undionly.kpxe\0octet\0blksize\x001432\0tsize\x000\0")]),
    { op: "RRQ", filename: "undionly.kpxe", mode: "octet", options: [{ name: "blksize", value: "1432" }, { name: "tsize", value: "0" }] }],
  ["plain RRQ, netascii", Buffer.concat([hex("0001"), ascii("pxelinux.cfg/default\0netascii\0")]),
    { op: "RRQ", filename: "pxelinux.cfg/default", mode: "netascii", options: [] }],
  ["atftp RRQ with windowsize, upper-case mode", Buffer.concat([hex("0001"), ascii("f.bin\0OCTET\0blksize\x001468\0windowsize\x0016\0")]),
    { op: "RRQ", filename: "f.bin", mode: "OCTET", options: [{ name: "blksize", value: "1468" }, { name: "windowsize", value: "16" }] }],
  ["WRQ", Buffer.concat([hex("0002"), ascii("up.bin\0octet\0")]), { op: "WRQ", filename: "up.bin", mode: "octet", options: [] }],
  ["DATA block 1", hex("0003 0001 deadbeef"), { op: "DATA", block: 1, data: hex("deadbeef") }],
  ["empty final DATA", hex("0003 ffff"), { op: "DATA", block: 65535, data: Buffer.alloc(0) }],
  ["ACK 0", hex("0004 0000"), { op: "ACK", block: 0 }],
  ["ACK 65535", hex("0004 ffff"), { op: "ACK", block: 65535 }],
  ["ERROR file not found", Buffer.concat([hex("0005 0001"), ascii("File not found\0")]), { op: "ERROR", code: 1, message: "File not found" }],
  ["OACK", Buffer.concat([hex("0006"), ascii("blksize\x001468\0tsize\x0040000000\0")]),
    { op: "OACK", options: [{ name: "blksize", value: "1468" }, { name: "tsize", value: "40000000" }] }],
];

describe("decode/encode on captured-style datagrams", () => {
  it.each(fixtures)("%s decodes to the expected packet", (_name, bytes, packet) => {
    expect(decode(bytes)).toEqual({ ok: true, packet });
  });
  it.each(fixtures)("%s round-trips byte-exact: encode(decode(b)) = b", (_name, bytes) => {
    const d = decode(bytes);
    if (!d.ok) throw new Error(d.error.detail);
    expect(encode(d.packet).equals(bytes)).toBe(true);
  });
});

describe("decode tolerates what real clients send", () => {
  it.each([
    ["NUL padding after the options", Buffer.concat([hex("0001"), ascii("a\0octet\0tsize\x000\0\0\0\0")]), [{ name: "tsize", value: "0" }]],
    ["padding right after the mode", Buffer.concat([hex("0001"), ascii("a\0octet\0\0\0")]), []],
  ])("%s", (_name, bytes, options) => {
    const d = decode(bytes);
    expect(d.ok && d.packet.op === "RRQ" && d.packet.options).toEqual(options);
  });
  it("an ACK padded past 4 bytes is still ACK n", () => {
    expect(decode(hex("0004 0007 0000 0000"))).toEqual({ ok: true, packet: { op: "ACK", block: 7 } });
  });
  it("an ERROR whose message lacks its NUL keeps the code and text", () => {
    expect(decode(Buffer.concat([hex("0005 0008"), ascii("refused")]))).toEqual({ ok: true, packet: { op: "ERROR", code: 8, message: "refused" } });
  });
});

describe("decode refuses malformed datagrams without throwing", () => {
  it.each([
    ["empty", Buffer.alloc(0), "too-short"],
    ["one byte", hex("00"), "too-short"],
    ["opcode 0", hex("0000 0000"), "unknown-opcode"],
    ["opcode 7", hex("0007 0000"), "unknown-opcode"],
    ["short ACK", hex("0004 00"), "too-short"],
    ["short DATA", hex("0003"), "too-short"],
    ["short ERROR", hex("0005 01"), "too-short"],
    ["RRQ without NUL", Buffer.concat([hex("0001"), ascii("file")]), "unterminated-string"],
    ["RRQ without mode", Buffer.concat([hex("0001"), ascii("file\0")]), "missing-mode"],
    ["RRQ with empty mode", Buffer.concat([hex("0001"), ascii("file\0\0")]), "missing-mode"],
    ["RRQ option without value", Buffer.concat([hex("0001"), ascii("f\0octet\0blksize\0")]), "option-without-value"],
    ["RRQ unterminated option value", Buffer.concat([hex("0001"), ascii("f\0octet\0blksize\x00512")]), "unterminated-string"],
    ["RRQ non-UTF-8 filename", Buffer.concat([hex("0001 ff fe 00"), ascii("octet\0")]), "bad-encoding"],
    ["OACK unterminated", Buffer.concat([hex("0006"), ascii("blksize")]), "unterminated-string"],
    ["option after padding", Buffer.concat([hex("0001"), ascii("f\0octet\0\0\0tsize\x000\0")]), "option-without-value"],
  ])("%s → %s", (_name, bytes, reason) => {
    const d = decode(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.reason).toBe(reason);
  });
});

describe("encode", () => {
  it("writes block numbers modulo 2^16 (block 65536 goes out as 0)", () => {
    expect(encode({ op: "DATA", block: 65536, data: hex("01") }).equals(hex("0003 0000 01"))).toBe(true);
    expect(encode({ op: "ACK", block: 65537 }).equals(hex("0004 0001"))).toBe(true);
  });
  it("terminates an ERROR message with NUL", () => {
    expect(encode({ op: "ERROR", code: 2, message: "no" }).equals(hex("0005 0002 6e6f 00"))).toBe(true);
  });
});

describe("decode fuzz", () => {
  it("never throws on 100,000 mutated datagrams, and reports every result in one of two shapes", () => {
    // Deterministic xorshift so a failure reproduces.
    let seed = 0x2545f491;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const seeds = fixtures.map(([, b]) => b);
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < 100_000; i++) {
      const base = seeds[rnd(seeds.length)] ?? Buffer.alloc(0);
      let buf = Buffer.from(base);
      const kind = rnd(4);
      if (kind === 0) buf = buf.subarray(0, rnd(buf.length + 1)); // truncate
      else if (kind === 1) for (let k = rnd(4) + 1; k > 0; k--) buf[rnd(buf.length || 1)] = rnd(256); // flip bytes
      else if (kind === 2) buf = Buffer.concat([buf, Buffer.from([rnd(256), rnd(256), 0, rnd(256)])]); // extend
      else buf = Buffer.from(Array.from({ length: rnd(40) }, () => rnd(256))); // noise
      const d = decode(buf);
      if (d.ok) {
        ok++;
        encode(d.packet); // whatever decodes must also encode
      } else if (typeof d.error.detail === "string" && d.error.reason) bad++;
    }
    expect(ok + bad).toBe(100_000);
    expect(ok).toBeGreaterThan(1000);
    expect(bad).toBeGreaterThan(1000);
  });
});
