// `maekin mirror sync`: builds the local signed Debian mirror the master serves at /mirror/debian.
import { dirname, resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { MirrorError, mirrorLayout, syncClusterMirror, type SyncSummary } from "../mirror/index.js";
import { str, UsageError, UserError, type Command, type Io } from "./_command.js";
import { progressBar } from "./_progress.js";
import { DEFAULT_STATE_DIR } from "./serve.js";

/** The mirror verb. */
export const mirrorCommand: Command = {
  name: "mirror",
  summary: "build the local signed Debian mirror the nodes install from",
  usage: `Usage: maekin mirror sync [-c FILE] [--state-dir DIR] [--upstream URL] [--json]

Builds a partial Debian 12 mirror in DIR/mirror/debian, served by \`maekin serve\` at
/mirror/debian: the debs an install needs (debootstrap's base, kernel, GRUB for BIOS and
UEFI, every Debian profile's packages, resolved with apt) and the installer's udebs for its
kernel. Release is signed with the cluster's key (made once in DIR/mirror/gnupg); the
installer trusts it through a second initrd (/mirror/maekin-keyring.cpio.gz) that boot
scripts add when a node's mirror is this master's /mirror/debian.

Re-running reuses files whose hashes match. Every package the archive refused is named.
Udebs it refused get a stand-in in a marked SUBSTITUTES step (repacked from the debs of
the same build, or the next release's udeb), listed in mirror/debian/maekin-substitutes.txt;
on a complete archive that step does not run. Exit 1 when a needed package stays missing.

Options:
  -c, --config FILE     config file (default ./maekin.yaml)
      --state-dir DIR   (default ${DEFAULT_STATE_DIR})
      --upstream URL    archive to mirror (default: mirror.debian of the config, or
                        http://deb.debian.org/debian when that is this master's own mirror)
      --json            print the summary as JSON
  -h, --help            show this help`,
  options: { config: { type: "string", short: "c" }, "state-dir": { type: "string" }, upstream: { type: "string" }, json: { type: "boolean" } },
  positionals: true,
  async run(args, io) {
    const [action, ...extra] = args.positionals;
    if (action !== "sync" || extra.length > 0) throw new UsageError(`say "sync"${action && action !== "sync" ? `, not "${action}"` : ""}`, mirrorCommand.usage);
    const file = str(args, "config", "maekin.yaml");
    const path = resolve(io.cwd, file);
    const cluster = createCluster(await loadConfig(path, file), { baseDir: dirname(path) });
    const stateDir = resolve(io.cwd, str(args, "state-dir", DEFAULT_STATE_DIR));
    let summary: SyncSummary;
    const report = mirrorReporter(io, (text) => process.stderr.write(text));
    try {
      summary = await syncClusterMirror(cluster, stateDir, { upstream: str(args, "upstream"), report });
    } catch (err) {
      report.end();
      if (err instanceof MirrorError) throw new UserError(err.message, { code: err.code, cause: err });
      throw err;
    }
    report.end();
    if (args.values.json) io.out(JSON.stringify({ ...summary, substitutes: summary.substitutes.map(({ stanza: _s, ...s }) => s) }, null, 2));
    else for (const line of summaryLines(summary, mirrorLayout(stateDir).debian)) io.out(line);
    const needed = summary.missing.filter((m) => m.needed);
    if (needed.length > 0) {
      throw new UserError(`${needed.length} needed package(s) could not be had: ${needed.map((m) => `${m.name} ${m.version}`).join(", ")}; try another --upstream`, { code: "MIRROR_INCOMPLETE" });
    }
    return 0;
  },
};

/** Progress of a sync: steps and log lines as lines, downloads as a bar on a TTY or a line per 10%. */
export function mirrorReporter(io: Io, write: (text: string) => void) {
  let bar = false;
  let tenth = -1;
  const end = () => { if (bar) write("\n"); bar = false; };
  const fn = (e: Parameters<Parameters<typeof syncClusterMirror>[2]["report"]>[0]) => {
    if (e.kind === "progress") {
      const pct = e.total === 0 ? 100 : (100 * e.done) / e.total;
      if (io.isTty) { write(`\r${progressBar(pct)} ${e.done}/${e.total}`); bar = true; }
      else if (Math.floor(pct / 10) !== tenth) { tenth = Math.floor(pct / 10); io.out(`  ${e.done}/${e.total} files`); }
      return;
    }
    end();
    tenth = -1;
    io.out(e.kind === "step" ? `${e.message} ...` : `  ${e.message}`);
  };
  return Object.assign(fn, { end });
}

/** The summary as printed. */
export function summaryLines(s: SyncSummary, dir: string): string[] {
  const mib = (s.bytes / 1048576).toFixed(0);
  return [
    `mirror ${dir}: ${s.debs} debs, ${s.udebs} udebs (${s.substitutes.length} substitutes), ${mib} MiB; ${s.fetched} fetched, ${s.reused} reused; ${s.seconds.toFixed(0)} s`,
    `signed by ${s.fingerprint}; installer kernel ${s.kernelAbi}`,
    ...s.substitutes.map((x) => `substitute: ${x.name} ${x.version} <- ${x.why}`),
    ...s.missing.map((m) => `${m.needed ? "MISSING (needed)" : "missing (not needed by maekin's installs)"}: ${m.kind} ${m.name} ${m.version}: ${m.reason}`),
  ];
}
