// The bench master's config: the shared example moved onto the bench link (MK addresses, a /14
// pool so that a storm of 1000 nodes, round after round, gets new leases).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MK, REPO } from "../_topology.js";

/** The shared example config text with the bench link's addresses. */
export function benchMasterConfig(): string {
  return readFileSync(join(REPO, "..", "shared", "examples", "maekin.yaml"), "utf8")
    .replace("subnet: 10.77.0.0/24", `subnet: ${MK.subnet}`)
    .replace("pool: 10.77.0.100-10.77.0.199", `pool: ${MK.pool[0]}-${MK.pool[1]}`)
    .replace(/10\.77\.0\.1\b/g, MK.server)
    .replace(/ip: 10\.77\.0\./g, "ip: 10.80.0.");
}
