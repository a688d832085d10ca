// Runs wrk in the client namespace and reads its report.
import type { BenchContext } from "./_topology.js";

/** What wrk measured. */
export interface WrkResult { requests: number; seconds: number; bytes: number; rps: number; p99Ms: number; errors: number }

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parses wrk's text report (with --latency). */
export function parseWrk(out: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read/.exec(out);
  const p99 = /^\s*99%\s+([\d.]+)(\w+)/m.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const requests = Number(total?.[1] ?? 0);
  const seconds = Number(total?.[2] ?? Number.NaN) * (MS[total?.[3] ?? "s"] ?? 1000) / 1000;
  const bytes = Number(total?.[4] ?? 0) * (UNITS[total?.[5] ?? "B"] ?? 1);
  const errors = (sock ? [1, 2, 3, 4].reduce((s, i) => s + Number(sock[i]), 0) : 0) + Number(non2xx?.[1] ?? 0);
  return { requests, seconds, bytes, rps: requests / seconds, p99Ms: Number(p99?.[1] ?? Number.NaN) * (MS[p99?.[2] ?? "ms"] ?? 1), errors };
}

/** wrk -c conns for `seconds` against url. */
export async function wrk(ctx: BenchContext, url: string, conns: number, seconds: number): Promise<WrkResult> {
  const out = await ctx.net.exec(ctx.cli, ["wrk", "-t2", `-c${conns}`, `-d${seconds}s`, "--timeout", "60s", "--latency", url], (seconds + 90) * 1000);
  return parseWrk(out);
}
