// The CLI entry: picks the verb, maps errors to exit codes in this one place
// (0 ok, 1 failure, 2 usage), and hides stack traces unless --debug.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, formatIssue } from "../config/index.js";
import { packageRoot } from "../model/paths.js";
import { RenderError } from "../render/index.js";
import { parseCommandArgs, UsageError, UserError, type Command, type Io } from "./_command.js";
import { initCommand } from "./init.js";
import { renderCommand } from "./render.js";
import { serveCommand } from "./serve.js";
import { doctorCommand } from "./doctor.js";
import { assetsCommand } from "./assets.js";
import { agentCommand } from "./agent.js";
import { nodesCommand } from "./nodes.js";
import { isoCommand } from "./iso.js";
import { labCommand } from "./lab.js";
import { mirrorCommand } from "./mirror.js";
import { validateCommand } from "./validate.js";

const commands: readonly Command[] = [initCommand, validateCommand, renderCommand, serveCommand, doctorCommand, assetsCommand, agentCommand, nodesCommand, isoCommand, labCommand, mirrorCommand];

/** The package version from package.json. */
export function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `maekin ${version()}: turn a rack of bare machines into a KVM cloud

Usage: maekin <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Options:
  -h, --help      show help (also after a command)
  -v, --version   print the version
      --debug     show stack traces

Run \`maekin <command> --help\` for a command's options.`;
}

const processIo = (): Io => ({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
  isTty: Boolean(process.stdout.isTTY),
});

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const debug = argv.includes("--debug");
  const [verb, ...rest] = argv.filter((a) => a !== "--debug");
  if (verb === undefined || verb === "-h" || verb === "--help" || verb === "help") {
    (verb === undefined ? io.err : io.out)(overview());
    return verb === undefined ? 2 : 0;
  }
  if (verb === "-v" || verb === "--version") {
    io.out(version());
    return 0;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    io.err(`maekin: unknown command "${verb}"; run \`maekin --help\` for the list`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    return report(err, io, debug);
  }
}

function report(err: unknown, io: Io, debug: boolean): number {
  if (err instanceof UsageError) {
    io.err(`maekin: ${err.message}`);
    if (err.usage) io.err(`\n${err.usage}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    for (const issue of err.issues) io.err(formatIssue(issue));
  } else if (err instanceof UserError || err instanceof RenderError) {
    io.err(`maekin: ${err.message}`);
  } else {
    io.err(`maekin: unexpected error: ${(err as Error)?.message ?? String(err)}${debug ? "" : " (run with --debug for details)"}`);
  }
  if (debug && err instanceof Error) io.err(err.stack ?? "");
  return 1;
}
