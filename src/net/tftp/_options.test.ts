import { describe, expect, it } from "vitest";
import { negotiate } from "./_options.js";

const limits = { maxBlksize: 1468, maxWindowsize: 64 };
const opts = (...pairs: Array<[string, string]>) => pairs.map(([name, value]) => ({ name, value }));

describe("negotiate", () => {
  it.each([
    ["no options: plain RFC 1350, no OACK", opts(), 512, 1, []],
    ["blksize granted as asked", opts(["blksize", "1432"]), 1432, 1, [["blksize", "1432"]]],
    ["blksize above the MTU ceiling is lowered", opts(["blksize", "65464"]), 1468, 1, [["blksize", "1468"]]],
    ["blksize 8 is the minimum and allowed", opts(["blksize", "8"]), 8, 1, [["blksize", "8"]]],
    ["blksize 7 is ignored", opts(["blksize", "7"]), 512, 1, []],
    ["blksize garbage is ignored", opts(["blksize", "0x200"]), 512, 1, []],
    ["names are case-insensitive", opts(["BlkSize", "1024"], ["WINDOWSIZE", "8"]), 1024, 8, [["blksize", "1024"], ["windowsize", "8"]]],
    ["windowsize above the ceiling is lowered", opts(["windowsize", "65535"]), 512, 64, [["windowsize", "64"]]],
    ["windowsize 0 is ignored", opts(["windowsize", "0"]), 512, 1, []],
    ["tsize answers the real size", opts(["tsize", "0"]), 512, 1, [["tsize", "40000000"]]],
    ["unknown options are ignored", opts(["multicast", ""], ["utimeout", "5"]), 512, 1, []],
    ["the first of duplicates wins", opts(["blksize", "1024"], ["blksize", "1400"]), 1024, 1, [["blksize", "1024"]]],
    ["timeout 0 and 256 are ignored", opts(["timeout", "0"], ["TIMEOUT", "256"]), 512, 1, []],
  ] as const)("%s", (_name, options, blksize, windowsize, oack) => {
    const n = negotiate(options, 40_000_000, limits);
    expect(n.blksize).toBe(blksize);
    expect(n.windowsize).toBe(windowsize);
    expect(n.oack.map((o) => [o.name, o.value])).toEqual(oack);
  });

  it("timeout 1..255 is echoed and sets the retransmission timeout", () => {
    expect(negotiate(opts(["timeout", "3"]), 10, limits)).toMatchObject({ timeoutMs: 3000, oack: [{ name: "timeout", value: "3" }] });
    expect(negotiate(opts(["timeout", "255"]), 10, limits).timeoutMs).toBe(255_000);
  });
  it("tsize is left out when the size is unknown (netascii)", () => {
    expect(negotiate(opts(["tsize", "0"]), undefined, limits).oack).toEqual([]);
  });
  it("a ceiling above 65464 is held to the RFC 2348 maximum", () => {
    expect(negotiate(opts(["blksize", "65464"]), 1, { maxBlksize: 100_000, maxWindowsize: 1 }).blksize).toBe(65464);
  });
});
