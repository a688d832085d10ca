// Entry of the self-contained agent bundle (dist/agent/maekin-agent.js), served to nodes at
// /assets/agent/maekin-agent.js and stored by the nodes as maekin-agent.mjs (their nodejs 18 loads
// a .js file as CommonJS), run by Debian's or RHEL's nodejs: `node maekin-agent.mjs agent`.
import { agentCommand } from "../cli/agent.js";
import { parseCommandArgs, UsageError } from "../cli/_command.js";

const [verb, ...rest] = process.argv.slice(2);
try {
  if (verb !== "agent") throw new UsageError(`the agent bundle runs one verb, "agent"`, agentCommand.usage);
  const args = parseCommandArgs(agentCommand, rest);
  if (args.values.help) process.stdout.write(`${agentCommand.usage}\n`);
  else process.exitCode = await agentCommand.run(args, { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), cwd: process.cwd(), isTty: false });
} catch (err) {
  process.stderr.write(`maekin agent: ${(err as Error).message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
