import { readFile, readdir, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { dumpPacket } from "./_dump.js";
import { getOption, option } from "./_options.js";
import { chaddrOf, decodePacket, encodePacket, macOf, type DhcpPacket } from "./_packet.js";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const bins = (await readdir(FIXTURES)).filter((f) => f.endsWith(".bin")).sort();

function base(over: Partial<DhcpPacket> = {}): DhcpPacket {
  return {
    op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x1234abcd, secs: 3, flags: 0x8000, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0",
    siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: chaddrOf("52:54:00:aa:bb:cc"), sname: "", file: "",
    options: [option(53, 1)], ...over,
  };
}

describe("captured firmware packets", () => {
  it("has the three captured fixtures", () => {
    expect(bins).toEqual(["ipxe-bios-discover.bin", "ipxe-efi-x64-discover.bin", "ovmf-x64-discover.bin"]);
  });

  it.each(bins)("%s matches its golden dump and round-trips byte for byte", async (name) => {
    const raw = await readFile(new URL(name, FIXTURES));
    const r = decodePacket(raw);
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    const dump = dumpPacket(r.packet);
    const golden = new URL(name.replace(/\.bin$/, ".dump.txt"), FIXTURES);
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, dump);
    expect(dump).toBe(await readFile(golden, "utf8"));
    expect(encodePacket(r.packet).equals(raw)).toBe(true);
  });

  it.each([
    ["ipxe-bios-discover.bin", [0], "iPXE", /^PXEClient:Arch:00000/],
    ["ipxe-efi-x64-discover.bin", [7], "iPXE", /^PXEClient:Arch:00007/],
    ["ovmf-x64-discover.bin", [7], undefined, /^PXEClient:Arch:00007/],
  ])("%s carries arch %j, user class %s and a PXEClient vendor class", async (name, arch, userClass, vendor) => {
    const r = decodePacket(await readFile(new URL(name, FIXTURES)));
    if (!r.ok) throw new Error(r.error.message);
    expect(getOption(r.packet.options, 53)).toBe(1);
    expect(getOption(r.packet.options, 93)).toEqual(arch);
    expect(getOption(r.packet.options, 77)).toBe(userClass);
    expect(getOption(r.packet.options, 60)).toMatch(vendor);
    expect(macOf(r.packet)).toBe("52:54:00:12:34:56");
  });
});

describe("decodePacket errors", () => {
  const good = encodePacket(base());
  const cases: [string, string, Buffer][] = [
    ["empty", "short", Buffer.alloc(0)],
    ["truncated header", "short", good.subarray(0, 239)],
    ["bad op", "op", Buffer.concat([Buffer.from([9]), good.subarray(1)])],
    ["hlen 17", "hlen", (() => { const b = Buffer.from(good); b[2] = 17; return b; })()],
    ["no cookie", "cookie", (() => { const b = Buffer.from(good); b[236] = 0; return b; })()],
    ["option overruns", "options", Buffer.concat([good.subarray(0, 240), Buffer.from([12, 200, 65])])],
  ];
  it.each(cases)("%s -> %s", (_name, code, buf) => {
    const r = decodePacket(buf);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });
});

describe("options", () => {
  it.each([
    [1, "255.255.255.0"], [3, ["10.0.0.1", "10.0.0.2"]], [6, ["1.1.1.1"]], [12, "node1"], [15, "lab.example"],
    [28, "10.0.0.255"], [43, Buffer.from([6, 1, 8, 255])], [50, "10.0.0.9"], [51, 3600], [53, 5], [54, "10.0.0.1"],
    [55, [1, 3, 6, 67]], [57, 1472], [60, "HTTPClient"], [61, Buffer.from([1, 2, 3])], [66, "10.0.0.1"],
    [67, "undionly.kpxe"], [77, "iPXE"], [82, Buffer.from([1, 2, 0x61, 0x62])], [93, [7]],
    [94, { type: 1, major: 3, minor: 16 }], [97, { type: 0, guid: "00112233-4455-6677-8899-aabbccddeeff" }],
  ] as const)("option %i survives encode/decode as %j", (code, value) => {
    const typed = option(code as 1, value as never);
    const r = decodePacket(encodePacket(base({ options: code === 53 ? [typed] : [option(53, 1), typed] })));
    if (!r.ok) throw new Error(r.error.message);
    expect(getOption(r.packet.options, code as 1)).toEqual(value);
  });

  it("splits options over 255 octets and concatenates them again (RFC 3396)", () => {
    const long = Buffer.alloc(600, 7);
    const wire = encodePacket(base({ options: [option(53, 1), option(43, long)] }), { maxSize: 1500 });
    expect(wire.indexOf(Buffer.from([43, 255]))).toBeGreaterThan(0);
    const r = decodePacket(wire);
    if (!r.ok) throw new Error(r.error.message);
    expect(getOption(r.packet.options, 43)).toEqual(long);
  });

  it.each([
    { codes: 10, why: "a few codes (scanned)" },
    { codes: 200, why: "many codes (indexed past 32)" },
  ])("keeps the order of first appearance and joins a repeated code's parts in order: $why", ({ codes }) => {
    // Option 43 in three parts, interleaved with other codes, and 3000 one-octet parts of option 224.
    const others = Array.from({ length: 254 }, (_, i) => i + 1).filter((c) => ![43, 52, 53, 224].includes(c)).slice(0, codes);
    const tlv: number[] = [53, 1, 1, 43, 2, 1, 2];
    for (const c of others) tlv.push(c, 1, c);
    tlv.push(43, 1, 3);
    for (let k = 0; k < 3000; k++) tlv.push(224, 1, k & 255);
    tlv.push(43, 2, 4, 5, 255);
    const head = encodePacket(base({ options: [] })).subarray(0, 240);
    const r = decodePacket(Buffer.concat([head, Buffer.from(tlv)]));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.packet.options.map((o) => o.code)).toEqual([53, 43, ...others, 224]);
    expect(getOption(r.packet.options, 43)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect(r.packet.options.find((o) => o.code === 224)?.data).toEqual(Buffer.from(Array.from({ length: 3000 }, (_, k) => k & 255)));
  });

  it("overloads file and sname when options outgrow a 576-octet message, and decodes them back", () => {
    const opts = [option(53, 2), option(12, "h".repeat(200)), option(15, "d".repeat(100)), option(67, "f".repeat(50)), option(66, "t".repeat(60))];
    const wire = encodePacket(base({ op: 2, options: opts }));
    expect(wire.length).toBeLessThanOrEqual(548);
    const r = decodePacket(wire);
    if (!r.ok) throw new Error(r.error.message);
    expect(getOption(r.packet.options, 12)).toBe("h".repeat(200));
    expect(getOption(r.packet.options, 15)).toBe("d".repeat(100));
    expect(getOption(r.packet.options, 67)).toBe("f".repeat(50));
    expect(getOption(r.packet.options, 66)).toBe("t".repeat(60));
    expect(r.packet.file).toBe("");
  });

  it("pads short messages to the 300-octet BOOTP minimum and skips pad options", () => {
    const wire = encodePacket(base());
    expect(wire.length).toBe(300);
    const padded = Buffer.concat([wire.subarray(0, 240), Buffer.from([0, 0, 53, 1, 3, 0, 255])]);
    const r = decodePacket(padded);
    if (!r.ok) throw new Error(r.error.message);
    expect(getOption(r.packet.options, 53)).toBe(3);
  });

  it("returns undefined for malformed typed values instead of throwing", () => {
    expect(getOption([{ code: 54, data: Buffer.from([1, 2, 3]) }], 54)).toBeUndefined();
    expect(getOption([{ code: 93, data: Buffer.from([1]) }], 93)).toBeUndefined();
  });
});
