// Small statistics for benchmark rounds: medians, percentiles and maekin/peer ratios.

/** The middle value (mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * The q-quantile (0..1) with linear interpolation between closest ranks, as numpy's default;
 * NaN for no values.
 */
export function quantile(values: readonly number[], q: number): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const at = Math.min(Math.max(q, 0), 1) * (xs.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (at - lo);
}

/** The 99th percentile. */
export const p99 = (values: readonly number[]): number => quantile(values, 0.99);

/** maekin / peer; NaN when either side is missing or the peer is zero. */
export function ratio(maekin: number, peer: number): number {
  if (!Number.isFinite(maekin) || !Number.isFinite(peer) || peer === 0) return Number.NaN;
  return maekin / peer;
}

/** The median of the per-round ratios: rounds are paired (A B A B), so drift in load cancels per pair. */
export function medianRatio(maekin: readonly number[], peer: readonly number[]): number {
  const n = Math.min(maekin.length, peer.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(ratio(maekin[i]!, peer[i]!));
  return median(ratios);
}

/** A number for a table: 3 significant digits, "-" for NaN. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return "-";
  if (n === 0) return "0";
  const abs = Math.abs(n);
  if (abs >= 10 ** digits) return n.toFixed(0);
  return n.toPrecision(digits);
}
