// apt as the mirror's client: a private apt root per source (own lists, cache, empty or given
// dpkg status; the host's installed packages never count), used to read the archive's indexes,
// resolve the closure (`apt-get --simulate install`) and fetch files with their hashes checked
// (`apt-get download`). The argv builders are pure; `createAptRoot` runs them.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { parseStanzas, type Stanza } from "./_control.js";
import { MirrorError } from "./_errors.js";

/** One apt source, as a one-line sources.list entry. */
export interface AptSource {
  readonly url: string;
  readonly suite: string;
  /** "main" for debs, "main/debian-installer" for udebs. */
  readonly component: string;
  /** Keyring apt checks the upstream's InRelease with. */
  readonly keyring: string;
}

/** The sources.list line for a source (amd64 only, Signed-By the given keyring). */
export function sourcesLine(source: AptSource): string {
  return `deb [arch=amd64 signed-by=${source.keyring}] ${source.url} ${source.suite} ${source.component}\n`;
}

/** The -o options that point apt at a private root `dir`, away from the host's state. */
export function aptOptions(dir: string): string[] {
  const o = (k: string, v: string) => ["-o", `${k}=${v}`];
  return [
    ...o("Dir::State", join(dir, "state")), ...o("Dir::State::status", join(dir, "status")),
    ...o("Dir::Cache", join(dir, "cache")), ...o("Dir::Etc::SourceList", join(dir, "sources.list")),
    ...o("Dir::Etc::SourceParts", join(dir, "sources.list.d")), ...o("Dir::Etc::Preferences", join(dir, "preferences")),
    ...o("Dir::Etc::PreferencesParts", join(dir, "preferences.d")), ...o("APT::Architecture", "amd64"),
    ...o("APT::Architectures::", "amd64"), ...o("APT::Install-Recommends", "false"), ...o("Debug::NoLocking", "true"),
    ...o("Acquire::Languages", "none"), ...o("APT::Sandbox::User", "root"), ...o("Acquire::Retries", "2"),
  ];
}

/** A private apt root for one source. */
export interface AptRoot {
  /** apt-get update; throws when the upstream's indexes cannot be had or verified. */
  update(): Promise<void>;
  /** Every package record of the source (candidate versions), as the archive's index has it. */
  records(): Promise<Stanza[]>;
  /** What `apt-get --simulate install names` would unpack, given a dpkg status text (empty by default). */
  simulate(names: readonly string[], status?: string): Promise<string>;
  /** `apt-get download name=version...` into dir; resolves with apt's error lines (files that failed). */
  download(pins: readonly string[], dir: string): Promise<string[]>;
}

/** Makes the root's folders and sources.list. */
export async function createAptRoot(dir: string, source: AptSource): Promise<AptRoot> {
  for (const sub of ["state/lists/partial", "cache/archives/partial", "sources.list.d", "preferences.d"]) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, "sources.list"), sourcesLine(source));
  await writeFile(join(dir, "status"), "");
  const opts = aptOptions(dir);
  const env = { LC_ALL: "C.UTF-8", DEBIAN_FRONTEND: "noninteractive" };
  const run = async (bin: string, args: readonly string[], what: string, cwd?: string) => {
    const r = await execa(bin, [...opts, ...args], { env, reject: false, cwd, maxBuffer: 512 * 1024 * 1024 });
    if (r.failed && (r as { code?: string }).code === "ENOENT") throw new MirrorError(`${bin} is not installed; apt-get install apt`, { code: "MIRROR_TOOL_MISSING" });
    return { ...r, what };
  };
  return {
    async update() {
      const r = await run("apt-get", ["update", "-q"], "update");
      const errors = `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /^(E|W): /.test(l) && !l.includes("unsandboxed"));
      if (r.exitCode !== 0 || errors.some((l) => l.startsWith("E:"))) {
        throw new MirrorError(`apt-get update of ${source.url} ${source.suite} ${source.component} failed: ${errors.join("; ") || r.stderr}`, { code: "MIRROR_UPSTREAM" });
      }
    },
    async records() {
      const r = await run("apt-cache", ["dumpavail"], "dumpavail");
      if (r.exitCode !== 0) throw new MirrorError(`apt-cache dumpavail failed: ${r.stderr}`, { code: "MIRROR_APT" });
      return parseStanzas(r.stdout);
    },
    async simulate(names, status = "") {
      await writeFile(join(dir, "status"), status);
      const r = await run("apt-get", ["--simulate", "--quiet", "--no-install-recommends", "install", ...names], "simulate");
      if (r.exitCode !== 0) {
        throw new MirrorError(`apt cannot resolve the closure of ${names.length} packages from ${source.url} ${source.suite}: ${r.stdout.split("\n").slice(-15).join("\n")}\n${r.stderr}`, { code: "MIRROR_RESOLVE" });
      }
      return r.stdout;
    },
    async download(pins, into) {
      if (pins.length === 0) return [];
      const r = await run("apt-get", ["download", "--quiet", ...pins], "download", into);
      return r.stderr.split("\n").filter((l) => l.startsWith("E:"));
    },
  };
}
