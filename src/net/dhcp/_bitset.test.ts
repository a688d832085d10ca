import { describe, expect, it } from "vitest";
import { createBitset } from "./_bitset.js";

/** Deterministic pseudo-random numbers (a test must fail the same way twice). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("bitset", () => {
  it.each([1, 31, 32, 33, 1000, 1024, 32 * 32 + 5, 70_000])("agrees with a plain array on random set/clear/nextClear (size %i)", (size) => {
    const bits = createBitset(size);
    const model = new Array<boolean>(size).fill(false);
    const r = rng(size);
    const naive = (from: number) => { for (let i = Math.max(0, from); i < size; i++) if (!model[i]) return i; return -1; };
    for (let step = 0; step < 4000; step++) {
      const i = Math.floor(r() * size);
      // Mostly sets, so long full runs (and full summary words) happen.
      if (r() < 0.8) { bits.set(i); model[i] = true; } else { bits.clear(i); model[i] = false; }
      const from = Math.floor(r() * (size + 2)) - 1;
      expect(bits.nextClear(from)).toBe(naive(from));
      expect(bits.has(i)).toBe(model[i]);
    }
  });

  it("says -1 when full and finds the one clear bit behind long full runs", () => {
    const size = 100_000;
    const bits = createBitset(size);
    for (let i = 0; i < size; i++) bits.set(i);
    expect(bits.nextClear(0)).toBe(-1);
    bits.clear(77_777);
    expect(bits.nextClear(0)).toBe(77_777);
    expect(bits.nextClear(77_778)).toBe(-1);
  });
});
