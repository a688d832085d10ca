// Request bodies of the node-facing API, checked before anything is stored.
import { z } from "zod";
import { HttpError } from "./_errors.js";

/** POST /api/v1/events: installer progress. */
export const eventBody = z.strictObject({
  type: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, "type must be a short lower-case name like install.started"),
  message: z.string().max(2000).optional(),
});

const check = z.object({ ok: z.boolean(), detail: z.string() });

/** The facts the agent sends: the parts the master decides on are typed, the rest is kept as sent. */
export const factsBody = z.looseObject({
  hostname: z.string().max(253),
  kvm: z.object({ present: z.boolean(), usable: z.boolean() }),
  libvirt: z.object({ version: z.string().optional(), domains: z.number().optional(), error: z.string().optional() }),
  bridge: z.object({ name: z.string(), exists: z.boolean(), up: z.boolean(), address: z.string().optional() }),
  nics: z.array(z.object({ name: z.string(), mac: z.string(), up: z.boolean(), master: z.string().optional() })).max(256),
});

/** POST /api/v1/register. */
export const registerBody = z.object({ facts: factsBody });

/** POST /api/v1/heartbeat (the agent's own checks are advisory; the master evaluates the facts). */
export const heartbeatBody = z.object({ facts: factsBody, checks: z.record(z.string(), check).optional() });

/** The body, or 400 naming the first problem. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.join(".");
  throw new HttpError(400, `bad request body: ${where ? `${where}: ` : ""}${issue.message}`);
}
