// `maekin validate`: checks a config and prints every problem as file:line:col.
import { resolve } from "node:path";
import { ConfigError, formatIssue, loadConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { str, type Command } from "./_command.js";

/** The validate verb. */
export const validateCommand: Command = {
  name: "validate",
  summary: "check maekin.yaml; errors as file:line:col",
  usage: `Usage: maekin validate [-c FILE] [--json]

Checks the config and prints every problem as FILE:LINE:COL: path: message.
Exit 0 when valid, 1 when not.

Options:
  -c, --config FILE   config file (default ./maekin.yaml)
      --json          print the result as JSON
  -h, --help          show this help`,
  options: { config: { type: "string", short: "c" }, json: { type: "boolean" } },
  async run(args, io) {
    const file = str(args, "config", "maekin.yaml");
    try {
      const config = await loadConfig(resolve(io.cwd, file), file);
      const cluster = createCluster(config);
      if (args.values.json) io.out(JSON.stringify({ valid: true, file, nodes: cluster.nodes.length, profiles: cluster.profiles.size }));
      else io.out(`${file}: valid (${cluster.nodes.length} nodes, ${cluster.profiles.size} profiles)`);
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (args.values.json) io.out(JSON.stringify({ valid: false, file, issues: err.issues }));
      else for (const issue of err.issues) io.err(formatIssue(issue));
      if (!args.values.json) io.err(`${file}: ${err.issues.length} problem${err.issues.length === 1 ? "" : "s"}`);
      return 1;
    }
  },
};
