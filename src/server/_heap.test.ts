import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { boundHeapGrowth, HEAP_GROWING_FLAG } from "./_heap.js";

const HEAP_TS = new URL("./_heap.ts", import.meta.url).href;

// A child that keeps ~30 MB live while it allocates 13x that, and prints the largest old
// generation it saw: the factor under test decides how far that runs ahead of the live data.
// It calls boundHeapGrowth itself (through tsx), so a wrong flag string fails here too.
const CHURN = `
import v8 from "node:v8";
import { boundHeapGrowth } from "${HEAP_TS}";
if (process.argv[1] !== "0") boundHeapGrowth(Number(process.argv[1]));
const live = new Array(600).fill(null);
let peak = 0;
for (let i = 0; i < 8000; i++) {
  live[i % live.length] = Array.from({ length: 1250 }, (_, k) => ({ k }));
  if (i % 50 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space").space_size);
}
console.log(peak);
`;
const oldPeak = (percent: number) => Number(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CHURN, String(percent)], { encoding: "utf8", timeout: 60_000 }).trim());

describe("boundHeapGrowth", () => {
  it("names a flag this Node's V8 has (setFlagsFromString ignores unknown ones silently)", () => {
    const options = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    expect(options).toContain(HEAP_GROWING_FLAG);
  });

  it("refuses a factor that is not a positive integer", () => {
    expect(() => boundHeapGrowth(0)).toThrow(/positive integer/);
    expect(() => boundHeapGrowth(1.5)).toThrow(/positive integer/);
  });

  it("holds the old generation closer to the live data when set at run time", () => {
    const unbounded = oldPeak(0);
    const bounded = oldPeak(50);
    expect(bounded).toBeGreaterThan(0);
    expect(bounded).toBeLessThan(unbounded * 0.85);
  }, 120_000);
});
