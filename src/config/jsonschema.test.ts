import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../model/paths.js";
import { configJsonSchema } from "./index.js";

const FILE = join(packageRoot, "schema", "maekin.schema.json");

describe("schema/maekin.schema.json", () => {
  it("matches the zod schema (UPDATE_GOLDEN=1 or `npm run schema` rewrites it)", () => {
    const fresh = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(FILE, fresh);
    expect(readFileSync(FILE, "utf8"), "schema/maekin.schema.json is stale: run `npm run schema`").toBe(fresh);
  });

  it("lists the sections and forbids unknown keys", () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(["cluster", "master", "network", "mirror", "profiles", "nodes", "enroll"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(["cluster", "master", "network", "profiles"]);
  });
});
