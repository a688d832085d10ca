import { readFile, readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { dumpPacket } from "./_dump.js";
import { decodePacket, encodePacket } from "./_packet.js";

// xorshift32: deterministic, so a failing input can be reproduced from the seed.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

describe("decoder fuzz", () => {
  it("decodes 100,000 mutated captured packets without throwing", async () => {
    const dir = new URL("./fixtures/", import.meta.url);
    const seeds = await Promise.all((await readdir(dir)).filter((f) => f.endsWith(".bin")).map((f) => readFile(new URL(f, dir))));
    expect(seeds.length).toBeGreaterThan(0);
    const next = rng(0xdecafbad);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 100_000; i++) {
      const src = seeds[i % seeds.length] ?? Buffer.alloc(0);
      let b = Buffer.from(src);
      const kind = next() % 4;
      if (kind === 0) for (let k = next() % 8; k >= 0; k--) b[next() % b.length] = next() & 0xff;
      else if (kind === 1) b = b.subarray(0, next() % (b.length + 1));
      else if (kind === 2) { b[52 + (next() % 4)] = 52; b[240 + (next() % Math.max(1, b.length - 240))] = 52; } // stray overload bytes
      else b = Buffer.concat([b.subarray(0, 240 + (next() % 60)), Buffer.from(Array.from({ length: next() % 300 }, () => next() & 0xff))]);
      const r = decodePacket(b);
      if (r.ok) {
        outcomes.ok++;
        dumpPacket(r.packet);
        try { encodePacket(r.packet, { maxSize: 1500 }); } catch (err) { if ((err as { code?: string }).code !== "too-large") throw err; }
      } else outcomes.error++;
    }
    // Both paths must have been exercised, or the mutations are too timid to mean anything.
    expect(outcomes.ok).toBeGreaterThan(1000);
    expect(outcomes.error).toBeGreaterThan(1000);
  });
});
