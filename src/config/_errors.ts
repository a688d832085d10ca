// ConfigError: every problem of a config file at once, each with file:line:col and YAML path.

/** One problem in a config file, located in the source. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The YAML path, e.g. ["network", "dhcp", "pool"]. */
  readonly path: readonly (string | number)[];
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A path as written in messages: network.dhcp.pool, nodes[2].mac. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${key}` : key), "");
}

/** One issue as a line: `file:line:col: path: message`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = formatPath(issue.path);
  return `${issue.file}:${issue.line}:${issue.col}: ${where ? `${where}: ` : ""}${issue.message}`;
}

/** A config that cannot be used; `issues` lists every problem found, in file order. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`${issues[0]?.file ?? "config"}: ${count}\n${issues.map(formatIssue).join("\n")}`, options);
    this.name = "ConfigError";
    this.issues = issues;
  }
}
