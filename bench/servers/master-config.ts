// The bench master's config: the shared example moved onto the bench link (MK addresses, a /12
// pool so that a storm of 1000 nodes, round after round, gets new leases).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MK, REPO } from "../_topology.js";

/** The shared example config text with the bench link's addresses. */
export function benchMasterConfig(): string {
  let text = readFileSync(join(REPO, "..", "shared", "examples", "maekin.yaml"), "utf8");
  const edits: [string | RegExp, string][] = [
    ["subnet: 10.77.0.0/24", `subnet: ${MK.subnet}`],
    ["pool: 10.77.0.100-10.77.0.199", `pool: ${MK.pool[0]}-${MK.pool[1]}`],
    [/10\.77\.0\.1\b/g, MK.server],
    [/ip: 10\.77\.0\./g, "ip: 10.80.0."],
  ];
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    // The example changed: a silent no-op would bench a master on the wrong network.
    if (next === text) throw new Error(`bench config: ${String(from)} is no longer in shared/examples/maekin.yaml`);
    text = next;
  }
  return text;
}
