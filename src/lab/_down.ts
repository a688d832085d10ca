// `lab down`: stops the QEMU nodes and the master, deletes the taps, the bridge and the
// namespace. Idempotent: whatever is already gone is skipped. Disks, logs and the inventory stay
// unless purge; purge deletes only the files the lab wrote, never the dir itself.
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { LAB_CONFIG_HEADER } from "./_config.js";
import { removeLabHosts } from "./_hosts.js";
import { isLabFile } from "./_plan.js";
import { readLabState, removeLabState } from "./_state.js";
import { isRunning, listNamespaces, MASTER_MARKER, namespacePids, QEMU_MARKER, run, stopProcess } from "./_system.js";

/** How `lab down` runs. */
export interface LabDownOptions {
  readonly dir: string;
  /** The namespace when lab.json does not say (it was lost, or up failed before writing it). */
  readonly namespace?: string;
  readonly purge?: boolean;
  readonly report: (line: string) => void;
}

/** What `lab down` did (each list empty when there was nothing to do). */
export interface LabDownResult {
  readonly stopped: string[];
  readonly deleted: string[];
  readonly purged: string[];
}

/** Takes the lab down; safe to run again and again. */
export async function downLab(options: LabDownOptions): Promise<LabDownResult> {
  const { dir, report } = options;
  const stateFile = join(dir, "lab.json");
  const state = await readLabState(stateFile);
  const ns = state?.namespace ?? options.namespace;
  const result: LabDownResult = { stopped: [], deleted: [], purged: [] };

  // QEMU first (the master stays to the end so nothing sees it vanish mid-request), in parallel.
  await Promise.all((state?.nodes ?? []).map(async (node) => {
    if (!node.pid || !(await isRunning(node.pid, QEMU_MARKER))) return;
    await stopProcess(node.pid, 5_000);
    result.stopped.push(`${node.name} (QEMU pid ${node.pid})`);
    report(`stopped ${node.name} (QEMU pid ${node.pid})`);
  }));
  if (state?.master.pid && (await isRunning(state.master.pid, MASTER_MARKER))) {
    await stopProcess(state.master.pid, 10_000);
    result.stopped.push(`master (pid ${state.master.pid})`);
    report(`stopped the master (pid ${state.master.pid})`);
  }

  if (ns && (await listNamespaces()).includes(ns)) {
    // Anything else still running in the namespace (a lost lab.json, a process started by hand).
    for (const pid of await namespacePids(ns)) {
      const how = await stopProcess(pid, 5_000);
      if (how !== "gone") { result.stopped.push(`pid ${pid}`); report(`stopped pid ${pid} left in ${ns}`); }
    }
    // Taps (and anything else) first, then bridges; deleting the namespace would take them too,
    // but deleting each one by name shows what the lab left and says which one failed.
    const links = JSON.parse((await run(["ip", "-d", "-j", "-n", ns, "link", "show"])) || "[]") as { ifname: string; linkinfo?: { info_kind?: string } }[];
    const isBridge = (l: (typeof links)[number]) => (l.linkinfo?.info_kind === "bridge" ? 1 : 0);
    for (const link of links.sort((a, b) => isBridge(a) - isBridge(b))) {
      if (link.ifname === "lo") continue;
      await run(["ip", "-n", ns, "link", "del", link.ifname]).catch(() => undefined);
      result.deleted.push(link.ifname);
    }
    await run(["ip", "netns", "del", ns]);
    result.deleted.push(`namespace ${ns}`);
    report(`deleted ${result.deleted.join(", ")}`);
  }
  if (ns && (await removeLabHosts(ns))) { result.deleted.push(`/etc/netns/${ns}/hosts`); report(`deleted /etc/netns/${ns}/hosts`); }
  await removeLabState(stateFile);

  if (options.purge) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => isLabFile(n) || /^node\d{2}\.qemu\.argv$/.test(n))) {
      await rm(join(dir, name), { force: true });
      result.purged.push(name);
    }
    const stateDir = state?.stateDir ?? join(dir, "state");
    if (names.includes("state") || state) { await rm(stateDir, { recursive: true, force: true }); result.purged.push(stateDir); }
    const config = state?.config ?? join(dir, "maekin.yaml");
    const text = await readFile(config, "utf8").catch(() => "");
    if (text.startsWith(LAB_CONFIG_HEADER)) { await rm(config, { force: true }); result.purged.push(config); }
    if (result.purged.length > 0) report(`purged ${result.purged.join(", ")}`);
  }
  if (result.stopped.length + result.deleted.length + result.purged.length === 0) report(`nothing to take down${ns ? ` (no namespace ${ns})` : ""} in ${dir}`);
  return result;
}
