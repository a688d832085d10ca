// `maekin doctor`: checks interface, ports, tools and boot assets; names what is missing.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, formatIssue, loadConfig } from "../config/index.js";
import { createCluster, type Cluster } from "../model/cluster.js";
import { formatChecks, runChecks } from "../server/_doctor.js";
import { str, type Command } from "./_command.js";
import { DEFAULT_STATE_DIR } from "./serve.js";

/** The doctor verb. */
export const doctorCommand: Command = {
  name: "doctor",
  summary: "check interface, ports, tools and boot assets",
  usage: `Usage: maekin doctor [-c FILE] [--state-dir DIR] [--json]

Checks what \`maekin serve\` needs: the provisioning interface and address, free DHCP,
TFTP and HTTP ports, the tools (xorriso, qemu), and the boot assets of the profiles in use.
Prints one line per check and one apt-get line for what is missing. Exit 1 if any fails.

Options:
  -c, --config FILE     config file (default ./maekin.yaml)
      --state-dir DIR   where imported assets live (default ${DEFAULT_STATE_DIR})
      --json            print the checks as JSON
  -h, --help            show this help`,
  options: { config: { type: "string", short: "c" }, "state-dir": { type: "string" }, json: { type: "boolean" } },
  async run(args, io) {
    const file = str(args, "config", "maekin.yaml");
    const path = resolve(io.cwd, file);
    let cluster: Cluster | undefined;
    if (existsSync(path)) {
      try {
        cluster = createCluster(await loadConfig(path, file), { baseDir: dirname(path) });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const issue of err.issues) io.err(formatIssue(issue));
      }
    }
    const checks = await runChecks({ ...(cluster ? { cluster } : {}), stateDir: resolve(io.cwd, str(args, "state-dir", DEFAULT_STATE_DIR)) });
    if (args.values.json) io.out(JSON.stringify(checks, null, 2));
    else for (const line of formatChecks(checks)) io.out(line);
    return checks.every((c) => c.ok) ? 0 : 1;
  },
};
