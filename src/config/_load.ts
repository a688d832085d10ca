// Loading maekin.yaml: YAML with source positions, the zod schema, then the cross-field checks.
// Every problem of the file is reported at once, each as file:line:col with its YAML path.
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, type ConfigIssue } from "./_errors.js";
import { fromZodIssues, type RawIssue } from "./_issues.js";
import { locate } from "./_locate.js";
import { configSchema, type Config } from "./_schema.js";
import { semanticIssues } from "./_semantic.js";

/** The result of checking a config text: the config when valid, and every issue found. */
export interface ParseResult {
  readonly config?: Config;
  readonly issues: readonly ConfigIssue[];
}

/** Parses and validates config text; `file` is the name used in messages. Never throws for bad input. */
export function parseConfig(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors.map((err): ConfigIssue => {
    const pos = lines.linePos(err.pos[0]);
    return { file, line: pos.line, col: pos.col, path: [], message: `YAML syntax: ${err.message.split("\n")[0]}` };
  });
  if (syntax.length > 0) return { issues: syntax };

  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { issues: [{ file, line: 1, col: 1, path: [], message: "the file must be a mapping with cluster, master, network, profiles and nodes; run `maekin init` for a commented example" }] };
  }
  const result = configSchema.safeParse(raw, { reportInput: true });
  const rawIssues: RawIssue[] = [...(result.success ? [] : fromZodIssues(configSchema, result.error.issues)), ...semanticIssues(raw)];
  const issues = dedupe(rawIssues.map((issue): ConfigIssue => ({
    file,
    ...locate(doc, lines, issue.path, issue.target),
    path: issue.path,
    message: issue.message,
  })));
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  return issues.length === 0 && result.success ? { config: result.data, issues } : { issues };
}

/** Reads and validates a config file; throws ConfigError listing every problem. Messages name it `shownAs`. */
export async function loadConfig(path: string, shownAs = path): Promise<Config> {
  const file = shownAs;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file; create one with `maekin init` or name it with -c" : (err as Error).message;
    throw new ConfigError([{ file, line: 0, col: 0, path: [], message: reason }], { cause: err });
  }
  const { config, issues } = parseConfig(text, file);
  if (!config) throw new ConfigError(issues);
  return config;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.line}:${i.col}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
