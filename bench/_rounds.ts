// Interleaved rounds (maekin, peer, maekin, peer, ...): each run's server CPU is the difference
// of the tree's CPU seconds around it, so a long-lived server is measured per run.
import type { Figure } from "./_report.js";
import type { Server } from "./_proc.js";

/** What one run measured: the figure's value and how many operations failed. */
export interface RunResult { readonly value: number; readonly failures: number; readonly extra?: Record<string, number> }

/** Which side a run is for. */
export type Side = "maekin" | "peer";

/** Runs `rounds` interleaved pairs and fills the figure. Without a peer server, only maekin runs. */
export async function interleave(
  fig: Figure, rounds: number, servers: { maekin: Server; peer?: Server },
  run: (side: Side, round: number) => Promise<RunResult>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    // Alternate who goes first, so neither side always runs on a warmer (or colder) machine.
    const order: Side[] = servers.peer ? (round % 2 === 0 ? ["maekin", "peer"] : ["peer", "maekin"]) : ["maekin"];
    for (const side of order) {
      const server = side === "maekin" ? servers.maekin : servers.peer!;
      const before = server.cpu();
      let r: RunResult;
      try {
        r = await run(side, round);
      } catch (err) {
        console.log(`    ${fig.name}: ${side} round ${round} failed: ${(err as Error).message.split("\n")[0]}`);
        r = { value: Number.NaN, failures: 1 };
      }
      const cpu = server.cpu() - before;
      if (side === "maekin") {
        fig.maekin.push(r.value);
        fig.maekinCpu.push(cpu);
        fig.maekinFailures += r.failures;
        fig.maekinRssMb = Math.max(fig.maekinRssMb, server.peakRssMb());
      } else {
        fig.peerValues.push(r.value);
        fig.peerCpu.push(cpu);
        fig.peerFailures += r.failures;
        fig.peerRssMb = Math.max(fig.peerRssMb, server.peakRssMb());
      }
      for (const [k, v] of Object.entries(r.extra ?? {})) (fig.extra[`${side}.${k}`] ??= []).push(v);
    }
  }
}
