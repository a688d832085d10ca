// Clients run in the client namespace; each run is timed inside that namespace by the shell, so
// `ip netns exec` start-up is not part of the figure (the client's own start-up is, on both sides).
import type { BenchContext } from "./_topology.js";

/** A timed client run: wall seconds and the exit status. */
export interface Timed { readonly seconds: number; readonly ok: boolean; readonly stdout: string }

const WRAP = 's=$(date +%s%N); out=$("$@" 2>&1); rc=$?; e=$(date +%s%N); printf "%s\\n" "$out" | tail -c 4000; echo "@@ $rc $(( (e - s) / 1000 ))"';

/** Runs argv in the client namespace under a shell timer. */
export async function timed(ctx: BenchContext, argv: readonly string[], timeoutMs = 180_000): Promise<Timed> {
  return parse(await ctx.net.exec(ctx.cli, ["sh", "-c", WRAP, "sh", ...argv], timeoutMs));
}

/** Runs a shell script (with positional args) in the client namespace under a shell timer. */
export async function timedScript(ctx: BenchContext, script: string, args: readonly string[], timeoutMs = 180_000): Promise<Timed> {
  return parse(await ctx.net.exec(ctx.cli, ["sh", "-c", WRAP, "sh", "sh", "-c", script, "sh", ...args], timeoutMs));
}

function parse(out: string): Timed {
  const m = /@@ (\d+) (\d+)\s*$/.exec(out);
  if (!m) return { seconds: Number.NaN, ok: false, stdout: out };
  return { seconds: Number(m[2]) / 1e6, ok: m[1] === "0", stdout: out.slice(0, m.index) };
}
