import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openFileSource, unfilled } from "./_handlers.js";

const buf = (n: number) => Buffer.alloc(n);
const lengths = (bs: readonly Buffer[]) => bs.map((b) => b.length);

describe("unfilled", () => {
  it.each([
    { sizes: [4, 4, 4], n: 0, rest: [4, 4, 4] },
    { sizes: [4, 4, 4], n: 4, rest: [4, 4] },
    { sizes: [4, 4, 4], n: 6, rest: [2, 4] },
    { sizes: [4, 4, 4], n: 12, rest: [] },
    { sizes: [4, 0, 4], n: 4, rest: [4] }, // an empty target is skipped
  ])("after $n bytes into $sizes: $rest", ({ sizes, n, rest }) => {
    expect(lengths(unfilled(sizes.map(buf), n))).toEqual(rest);
  });

  it("keeps the unfilled part of a buffer where it was (a view, not a copy)", () => {
    const a = Buffer.from("abcdef");
    const [first] = unfilled([a], 2);
    first![0] = 0x5a;
    expect(a.toString()).toBe("abZdef");
  });
});

describe("openFileSource", () => {
  const dir = mkdtemp(join(tmpdir(), "tftp-src-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it("scatters a readv into the targets, and stops short at the end of the file", async () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 255));
    const path = join(await dir, "f.bin");
    await writeFile(path, data);
    const source = (await openFileSource(path))!;
    try {
      const targets = [buf(1000), buf(1000), buf(1000), buf(1000)];
      expect(await source.readv!(targets, 500)).toBe(2500);
      expect(Buffer.concat(targets).subarray(0, 2500)).toEqual(data.subarray(500));
      expect(await source.readv!([buf(10)], 3000)).toBe(0);
      expect(await source.read(500, 2500)).toEqual(data.subarray(500));
    } finally {
      await source.close!();
    }
  });
});
