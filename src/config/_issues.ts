// Turns zod issues into plain problems with a path and a message that says how to fix it.
import type { z } from "zod";
import { hint } from "./_didyoumean.js";
import type { Target } from "./_locate.js";

/** A problem before it is located in the source. */
export interface RawIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Point at the key rather than the value (unknown keys). */
  readonly target?: Target;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The keys an object schema at `path` allows (for did-you-mean), or [] when it is no object. */
export function knownKeys(root: z.ZodType, path: readonly (string | number)[]): string[] {
  let schema: z.ZodType | undefined = root;
  let rest = [...path];
  while (schema) {
    const def = defOf(schema);
    if (def.innerType) { schema = def.innerType; continue; }
    if (def.type === "pipe") { schema = def.in; continue; }
    if (rest.length === 0) return def.shape ? Object.keys(def.shape) : [];
    const [head, ...tail] = rest;
    rest = tail;
    if (def.shape) schema = def.shape[String(head)];
    else if (def.valueType) schema = def.valueType;
    else if (def.element) schema = def.element;
    else return [];
  }
  return [];
}

function describe(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  return `${typeof input} ${JSON.stringify(input)}`;
}

/** Plain problems for the issues of one failed parse. */
export function fromZodIssues(root: z.ZodType, issues: readonly z.core.$ZodIssue[]): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== "symbol");
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = knownKeys(root, path);
        for (const key of issue.keys) {
          out.push({
            path: [...path, key],
            target: "key",
            message: `unknown key "${key}"${hint(key, allowed)}; allowed here: ${allowed.join(", ")}`,
          });
        }
        break;
      }
      case "invalid_type": {
        const input = (issue as { input?: unknown }).input;
        const key = path[path.length - 1];
        out.push({
          path,
          target: input === undefined ? "key" : "value",
          message: input === undefined
            ? `missing required key "${String(key)}"`
            : `expected ${issue.expected}, got ${describe(input)}`,
        });
        break;
      }
      case "invalid_value": {
        const input = (issue as { input?: unknown }).input;
        const options = issue.values.map(String);
        out.push({
          path,
          message: `${typeof input === "string" ? JSON.stringify(input) : describe(input)} is not allowed${typeof input === "string" ? hint(input, options) : ""}; use one of: ${options.join(", ")}`,
        });
        break;
      }
      case "invalid_key":
        for (const inner of fromZodIssues(root, issue.issues)) out.push({ ...inner, path, target: "key" });
        break;
      case "invalid_union": {
        // A union of string|number (durations): report the first branch's own message.
        const first = issue.errors[0]?.[0];
        out.push({ path, message: first?.code === "custom" ? first.message : issue.message });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}
