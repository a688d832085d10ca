// `maekin serve`: runs DHCP, TFTP, HTTP and the inventory until SIGTERM or SIGINT.
import { dirname, resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { boundHeapGrowth } from "../server/_heap.js";
import { createLogger } from "../server/_logger.js";
import { startMaster } from "../server/_master.js";
import { MasterStartError } from "../server/_preflight.js";
import { str, UserError, type Command } from "./_command.js";

/** Default state dir: leases, inventory, CA, admin token. */
export const DEFAULT_STATE_DIR = "/var/lib/maekin";

/** The serve verb. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run DHCP, TFTP, HTTP and the inventory until SIGTERM",
  usage: `Usage: maekin serve [-c FILE] [--state-dir DIR]

Runs the master's services from the config: DHCP (network.dhcp.mode), TFTP (iPXE for
firmware that is not iPXE yet), HTTP (boot scripts, answer files, assets, API, /metrics,
/healthz). Logs are JSON lines, readable on a terminal. SIGTERM or SIGINT stops it cleanly.
It refuses to start, with the reason and the fix, when the config is invalid, the
interface or address is missing, or a port is taken.

Options:
  -c, --config FILE     config file (default ./maekin.yaml)
      --state-dir DIR   leases, inventory, CA and admin token (default ${DEFAULT_STATE_DIR})
  -h, --help            show this help`,
  options: { config: { type: "string", short: "c" }, "state-dir": { type: "string" } },
  async run(args, io) {
    const file = str(args, "config", "maekin.yaml");
    const path = resolve(io.cwd, file);
    const cluster = createCluster(await loadConfig(path, file), { baseDir: dirname(path) });
    const logger = createLogger({ pretty: io.isTty });
    const stateDir = resolve(io.cwd, str(args, "state-dir", DEFAULT_STATE_DIR));
    // A disk that lost a write: stop and exit 1; systemd restarts the master and SQLite recovers
    // the inventory up to the last write that reached the disk.
    let fatal: (reason: string) => void = () => undefined;
    const failed = new Promise<string>((done) => { fatal = done; });
    let master;
    boundHeapGrowth();
    try {
      master = await startMaster({ cluster, stateDir, logger, onFatal: () => fatal("fatal") });
    } catch (err) {
      if (err instanceof MasterStartError) throw new UserError(err.message, { code: err.code, cause: err });
      throw err;
    }
    const signal = await Promise.race([failed, new Promise<NodeJS.Signals>((done) => {
      process.once("SIGTERM", () => done("SIGTERM"));
      process.once("SIGINT", () => done("SIGINT"));
    })]);
    logger.info({ signal }, "stopping");
    await master.stop();
    logger.info("stopped");
    return signal === "fatal" ? 1 : 0;
  },
};
