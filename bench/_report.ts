// Figures of a benchmark run: collected per round, summarized as medians and maekin/peer ratios.
import { fmt, median, medianRatio } from "./_stats.js";

/** One measured quantity, with a value per round for maekin and for the peer. */
export interface Figure {
  readonly bench: string;
  readonly name: string;
  readonly unit: string;
  /** Which way is good, for reading the ratio. */
  readonly better: "higher" | "lower";
  readonly peer?: string;
  /** Goal as a ratio maekin/peer ("higher": ratio >= goal; "lower": ratio <= goal). */
  readonly goal?: number;
  readonly maekin: number[];
  readonly peerValues: number[];
  /** Server CPU seconds per round. */
  readonly maekinCpu: number[];
  readonly peerCpu: number[];
  maekinRssMb: number;
  peerRssMb: number;
  maekinFailures: number;
  peerFailures: number;
  /** Other per-figure numbers (p99s, CPU per GB), medians over rounds. */
  readonly extra: Record<string, number[]>;
}

/** A new, empty figure. */
export function figure(f: Pick<Figure, "bench" | "name" | "unit" | "better"> & { peer?: string; goal?: number }): Figure {
  return { ...f, maekin: [], peerValues: [], maekinCpu: [], peerCpu: [], maekinRssMb: 0, peerRssMb: 0, maekinFailures: 0, peerFailures: 0, extra: {} };
}

/** Adds a named extra value for this round. */
export function note(f: Figure, key: string, value: number): void {
  (f.extra[key] ??= []).push(value);
}

/** The summary of a figure, as printed and stored. */
export function summarize(f: Figure) {
  const r = medianRatio(f.maekin, f.peerValues);
  const met = f.goal === undefined || !Number.isFinite(r) ? undefined : f.better === "higher" ? r >= f.goal : r <= f.goal;
  return {
    bench: f.bench, name: f.name, unit: f.unit, better: f.better, peer: f.peer ?? null, goal: f.goal ?? null,
    ratio: r, goalMet: met ?? null,
    maekin: median(f.maekin), peerMedian: median(f.peerValues),
    maekinCpuS: median(f.maekinCpu), peerCpuS: median(f.peerCpu),
    maekinRssMb: f.maekinRssMb, peerRssMb: f.peerRssMb,
    maekinFailures: f.maekinFailures, peerFailures: f.peerFailures,
    extra: Object.fromEntries(Object.entries(f.extra).map(([k, v]) => [k, median(v)])),
    rounds: { maekin: f.maekin, peer: f.peerValues },
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));

/** Prints one figure as a table row (the header once per bench). */
export function printFigure(f: Figure, header: boolean): void {
  const s = summarize(f);
  const cols = [40, 12, 12, 8, 10, 13, 13, 7];
  if (header) {
    console.log(["figure", "maekin", "peer", "ratio", "goal", "cpu s m/p", "rss MB m/p", "fail m/p"].map((c, i) => pad(c, cols[i] ?? 8)).join(" "));
  }
  const goal = s.goal === null ? "" : `${f.better === "higher" ? ">=" : "<="}${s.goal}${s.goalMet === null ? "" : s.goalMet ? " ok" : " NO"}`;
  const row = [
    `${f.name} (${f.unit})`, fmt(s.maekin), f.peer ? fmt(s.peerMedian) : "", f.peer ? fmt(s.ratio) : "", goal,
    `${fmt(s.maekinCpuS, 2)}/${f.peer ? fmt(s.peerCpuS, 2) : "-"}`, `${fmt(s.maekinRssMb)}/${f.peer ? fmt(s.peerRssMb) : "-"}`,
    `${s.maekinFailures}/${f.peer ? s.peerFailures : "-"}`,
  ];
  console.log(row.map((c, i) => pad(c, cols[i] ?? 8)).join(" "));
  const extras = Object.entries(s.extra).map(([k, v]) => `${k}=${fmt(v)}`).join(" ");
  if (extras) console.log(`    ${extras}`);
}
