// Bench server: the whole maekin master (startMaster) on the shared example config, moved onto
// the bench link (MK addresses, a /14 pool). Usage: master.ts STATE_DIR. Prints "ready <admin token>".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { parseConfig } from "../../src/config/index.js";
import { createCluster } from "../../src/model/cluster.js";
import { startMaster } from "../../src/server/_master.js";
import { MK, REPO } from "../_topology.js";

const stateDir = process.argv[2];
if (!stateDir) throw new Error("usage: master.ts STATE_DIR");
const text = readFileSync(join(REPO, "..", "shared", "examples", "maekin.yaml"), "utf8")
  .replace("subnet: 10.77.0.0/24", `subnet: ${MK.subnet}`)
  .replace("pool: 10.77.0.100-10.77.0.199", `pool: ${MK.pool[0]}-${MK.pool[1]}`)
  .replace(/10\.77\.0\.1\b/g, MK.server)
  .replace(/ip: 10\.77\.0\./g, "ip: 10.80.0.");
const { config, issues } = parseConfig(text, "bench.yaml");
if (!config) throw new Error(`bench config invalid: ${issues.map((i) => `${i.line}:${i.col} ${i.message}`).join("; ")}`);
const master = await startMaster({ cluster: createCluster(config), stateDir, logger: pino({ level: "silent" }), syslogPort: 5514 });
console.log(`ready ${master.adminToken}`);
process.once("SIGTERM", () => void master.stop().then(() => process.exit(0)));
