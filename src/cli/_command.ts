// The shape of a CLI verb, argument parsing with usage errors, and the output streams it writes to.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Where a verb writes; injected so tests capture output. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  readonly isTty: boolean;
}

/** A usage mistake on the command line: exit 2 with the verb's usage. */
export class UsageError extends Error {
  readonly code = "USAGE";
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the user can fix, already explained in its message: exit 1, no stack trace. */
export class UserError extends Error {
  readonly code: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "UserError";
    this.code = options?.code ?? "FAILED";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One verb of the CLI. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by --help and on usage errors. */
  readonly usage: string;
  readonly options: Options;
  readonly positionals?: boolean;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** Parsed flags and positionals of a verb. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Parses a verb's argv strictly; unknown flags become UsageErrors. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" }, debug: { type: "boolean" } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ""), command.usage);
  }
}

/** A string flag's value (or the default). */
export function str(args: ParsedArgs, name: string, fallback: string): string;
export function str(args: ParsedArgs, name: string): string | undefined;
export function str(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : fallback;
}
