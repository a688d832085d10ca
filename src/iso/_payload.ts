// The master's payload: maekin as built (dist/, bin/, templates/, ...), its production
// node_modules, the Node.js binary that built them (better-sqlite3 is native: its ABI must
// match), the config, the unit, and the boot assets; a tar.gz made with archiver.
import { createWriteStream } from "node:fs";
import { posix } from "node:path";
import archiver from "archiver";

/** One file or folder of the payload: where it is on disk, where it goes under /opt/maekin. */
export type PayloadItem =
  | { readonly kind: "dir" | "file"; readonly from: string; readonly to: string; readonly mode?: number }
  | { readonly kind: "text"; readonly text: string; readonly to: string; readonly mode?: number };

/** The parts of package-lock.json (lockfileVersion 2 or 3) that decide what production needs. */
export interface PackageLock {
  readonly packages?: Readonly<Record<string, { readonly dev?: boolean; readonly extraneous?: boolean; readonly link?: boolean }>>;
}

/** Folders of the package copied as they are. */
export const PACKAGE_DIRS = ["dist", "bin", "templates", "kickstart", "schema"] as const;
/** Files of the package copied as they are. */
export const PACKAGE_FILES = ["package.json", "package-lock.json", "README.md"] as const;

/** node_modules paths (top-level and nested) that production needs, from the lock file. */
export function productionModules(lock: PackageLock): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([path, info]) => path.startsWith("node_modules/") && !info.dev && !info.extraneous && !info.link)
    .map(([path]) => path)
    // A nested module rides along with its parent folder.
    .filter((path, _i, all) => !all.some((other) => other !== path && path.startsWith(`${other}/`)))
    .sort();
}

/** What goes into the payload, in order. Pure: paths in, plan out. */
export function payloadPlan(input: {
  readonly packageRoot: string;
  readonly lock: PackageLock;
  readonly nodeBinary: string;
  readonly configText: string;
  /** Files the config names by relative path (its profiles' own templates), from its folder. */
  readonly configFiles?: readonly { readonly path: string; readonly from: string }[];
  readonly unit: string;
  readonly assets: readonly { readonly name: string; readonly path: string }[];
}): PayloadItem[] {
  const at = (p: string) => posix.join(input.packageRoot, p);
  return [
    ...PACKAGE_DIRS.map((d): PayloadItem => ({ kind: "dir", from: at(d), to: d })),
    ...PACKAGE_FILES.map((f): PayloadItem => ({ kind: "file", from: at(f), to: f })),
    ...productionModules(input.lock).map((m): PayloadItem => ({ kind: "dir", from: at(m), to: m })),
    { kind: "file", from: input.nodeBinary, to: "node/bin/node", mode: 0o755 },
    // config/ becomes /etc/maekin: maekin.yaml and the files it names relative to itself.
    { kind: "text", text: input.configText, to: "config/maekin.yaml", mode: 0o600 },
    ...(input.configFiles ?? []).map((f): PayloadItem => ({ kind: "file", from: f.from, to: posix.join("config", f.path) })),
    { kind: "text", text: input.unit, to: "maekin-master.service" },
    ...input.assets.map((a): PayloadItem => ({ kind: "file", from: a.path, to: posix.join("assets", a.name) })),
  ];
}

/** Relative paths the config names (profile templates), checked to stay beside it; throws naming the bad one. */
export function configFilePaths(profiles: Iterable<{ readonly name: string; readonly templates: { readonly answer?: string | undefined; readonly late?: string | undefined } }>): string[] {
  const paths = new Set<string>();
  for (const profile of profiles) {
    for (const path of [profile.templates.answer, profile.templates.late]) {
      if (path === undefined) continue;
      const clean = posix.normalize(path.replaceAll("\\", "/"));
      if (posix.isAbsolute(clean) || clean === ".." || clean.startsWith("../")) {
        throw new Error(`profile ${profile.name}: template ${path} is outside the config's folder; copy it next to maekin.yaml (e.g. profiles/) so the master gets it too`);
      }
      paths.add(clean);
    }
  }
  return [...paths].sort();
}

/** Writes the plan as a tar.gz at `out`; resolves with its size in bytes. */
export async function writePayload(plan: readonly PayloadItem[], out: string): Promise<number> {
  const archive = archiver("tar", { gzip: true, gzipOptions: { level: 6 } });
  const sink = createWriteStream(out);
  const done = new Promise<void>((resolve, reject) => {
    sink.on("close", resolve);
    sink.on("error", reject);
    archive.on("error", reject);
    archive.on("warning", reject);
  });
  archive.pipe(sink);
  for (const item of plan) {
    const mode = item.mode !== undefined ? { mode: item.mode } : {};
    if (item.kind === "text") archive.append(item.text, { name: item.to, ...mode });
    else if (item.kind === "dir") archive.directory(item.from, item.to);
    else archive.file(item.from, { name: item.to, ...mode });
  }
  await archive.finalize();
  await done;
  return archive.pointer();
}
