// The lab state file (lab.json in the lab dir): what `lab up` made and started, so `lab status`
// and `lab down` find the namespace, the processes and the files again. Written atomically after
// every step of `lab up`, so a failure half-way still leaves a record `lab down` can clean up.
import { readFile, rm } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../state/index.js";

const nodeState = z.object({
  name: z.string(),
  mac: z.string(),
  ip: z.string(),
  tap: z.string(),
  firmware: z.enum(["bios", "uefi"]),
  accel: z.enum(["kvm", "tcg"]).optional(),
  disk: z.string(),
  serialLog: z.string(),
  qemuLog: z.string(),
  pid: z.number().int().optional(),
  startedAt: z.number().optional(),
});

const labState = z.object({
  version: z.literal(1),
  namespace: z.string(),
  bridge: z.string(),
  masterCidr: z.string(),
  masterUrl: z.string(),
  config: z.string(),
  /** True when `lab up` wrote the config (then --purge deletes it). */
  configWritten: z.boolean(),
  stateDir: z.string(),
  createdAt: z.number(),
  master: z.object({ log: z.string(), pid: z.number().int().optional(), startedAt: z.number().optional() }),
  nodes: z.array(nodeState),
});

/** What lab.json holds. */
export type LabState = z.infer<typeof labState>;
/** One node's entry in lab.json. */
export type LabNodeState = LabState["nodes"][number];

/** Writes the state file atomically (0644: it holds no secrets). */
export async function writeLabState(path: string, state: LabState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, 0o644);
}

/** Reads the state file; undefined when there is none; throws when it is not a lab state. */
export async function readLabState(path: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not JSON (${(err as Error).message}); remove it and run \`maekin lab down --name NAME\``, { cause: err });
  }
  const parsed = labState.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a lab state file (${parsed.error.issues[0]?.message ?? "bad shape"}); remove it and run \`maekin lab down --name NAME\``);
  return parsed.data;
}

/** Removes the state file (the lab is down). */
export async function removeLabState(path: string): Promise<void> {
  await rm(path, { force: true });
}
