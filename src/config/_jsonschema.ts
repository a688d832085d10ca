// The JSON Schema of maekin.yaml for editors (yaml-language-server), generated from the zod schema.
import { z } from "zod";
import { configSchema } from "./_schema.js";

/** The JSON Schema (draft 2020-12) describing maekin.yaml as an admin writes it. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
}
