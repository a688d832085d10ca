import { describe, expect, it } from "vitest";
import { createProgress, progressBar } from "./_progress.js";

const events = [
  { kind: "step", message: "writing x.iso" },
  { kind: "progress", percent: 3 },
  { kind: "progress", percent: 12.5 },
  { kind: "progress", percent: 14 },
  { kind: "progress", percent: 100 },
  { kind: "step", message: "checking" },
] as const;

function capture(tty: boolean) {
  const lines: string[] = [];
  const raw: string[] = [];
  const progress = createProgress({ out: (t) => lines.push(t), err: () => {}, cwd: "/", isTty: tty }, tty, (t) => raw.push(t));
  for (const e of events) progress(e);
  progress.end();
  return { lines, raw };
}

describe("progress", () => {
  it.each([
    [0, "  [........................................]   0.0%"],
    [50, "  [####################....................]  50.0%"],
    [100, "  [########################################] 100.0%"],
    [140, "  [########################################] 100.0%"],
  ])("bar at %d%%", (percent, bar) => {
    expect(progressBar(percent)).toBe(bar);
  });

  it("redraws one bar on a TTY and ends its line before the next step", () => {
    const { lines, raw } = capture(true);
    expect(lines).toEqual(["writing x.iso ...", "checking ..."]);
    expect(raw).toEqual([`\r${progressBar(3)}`, `\r${progressBar(12.5)}`, `\r${progressBar(14)}`, `\r${progressBar(100)}`, "\n"]);
  });

  it("prints plain lines per 10% otherwise", () => {
    const { lines, raw } = capture(false);
    expect(lines).toEqual(["writing x.iso ...", "  0% written", "  10% written", "  100% written", "checking ..."]);
    expect(raw).toEqual([]);
  });
});
