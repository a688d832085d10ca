import { describe, expect, it } from "vitest";
import { fmt, median, medianRatio, p99, quantile, ratio } from "./_stats.js";

describe("bench statistics", () => {
  it.each([
    [[], Number.NaN],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[1, Number.NaN, 3], 2],
  ])("median(%j) = %d", (values, want) => {
    expect(median(values)).toEqual(want);
  });

  it("p99 interpolates between closest ranks", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(p99(hundred)).toBeCloseTo(99.01, 6);
    expect(p99([7])).toBe(7);
    expect(quantile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4, 5], 1)).toBe(5);
  });

  it.each([
    [2, 1, 2],
    [1, 4, 0.25],
    [1, 0, Number.NaN],
    [Number.NaN, 1, Number.NaN],
  ])("ratio(%d, %d) = %d", (a, b, want) => {
    expect(ratio(a, b)).toEqual(want);
  });

  it("medianRatio pairs rounds before taking the median", () => {
    // Per-round ratios 0.5, 2, 1 -> median 1, although median(a)/median(b) = 2/2 as well here.
    expect(medianRatio([1, 4, 3], [2, 2, 3])).toBe(1);
    // Drift cancels per pair: both sides double each round, the ratio stays 0.5.
    expect(medianRatio([1, 2, 4, 8, 16], [2, 4, 8, 16, 32])).toBe(0.5);
  });

  it("fmt keeps 3 significant digits and shows NaN as -", () => {
    expect(fmt(0.51234)).toBe("0.512");
    expect(fmt(1234.5)).toBe("1235");
    expect(fmt(Number.NaN)).toBe("-");
  });
});
