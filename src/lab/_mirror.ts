// The lab's nodes install from the master's own signed mirror: `lab up` makes sure it exists
// (a complete sync left its summary) and runs `mirror sync` into the lab's state dir when not.
import { access } from "node:fs/promises";
import { dirname } from "node:path";
import { loadConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { isOwnMirror, mirrorLayout, MirrorError, syncClusterMirror } from "../mirror/index.js";
import { LabError } from "./_system.js";

/** Syncs the mirror of the lab's config into stateDir unless it is there or not used; returns what it did. */
export async function ensureLabMirror(config: string, stateDir: string, say: (line: string) => void): Promise<"present" | "synced" | "not-used"> {
  const cluster = createCluster(await loadConfig(config, config), { baseDir: dirname(config) });
  const usesDebian = [...cluster.profiles.values()].some((p) => p.family === "debian");
  if (!usesDebian || !isOwnMirror(cluster.mirrors.debian, cluster.masterUrl)) return "not-used";
  const layout = mirrorLayout(stateDir);
  if (await access(layout.summary).then(() => true, () => false)) return "present";
  say(`mirror: none in ${layout.debian} yet; running \`maekin mirror sync\` (a few minutes the first time)`);
  try {
    const summary = await syncClusterMirror(cluster, stateDir, {
      report: (e) => { if (e.kind !== "progress") say(`mirror: ${e.message}`); },
    });
    const needed = summary.missing.filter((m) => m.needed);
    if (needed.length > 0) throw new LabError(`the mirror lacks needed packages: ${needed.map((m) => m.name).join(", ")}`, { code: "LAB_MIRROR" });
    say(`mirror: ${summary.debs} debs, ${summary.udebs} udebs (${summary.substitutes.length} substitutes), ${(summary.bytes / 1048576).toFixed(0)} MiB in ${summary.seconds.toFixed(0)} s`);
    return "synced";
  } catch (err) {
    if (err instanceof MirrorError) throw new LabError(`mirror sync failed: ${err.message}`, { code: "LAB_MIRROR", cause: err });
    throw err;
  }
}
