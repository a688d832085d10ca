// `maekin iso build`: the master installer ISO. Progress is a bar on a TTY, plain lines otherwise.
import { relative, resolve } from "node:path";
import { buildMasterIso, IsoBuildError } from "../iso/index.js";
import { str, UsageError, UserError, type Command } from "./_command.js";
import { createProgress } from "./_progress.js";

/** The iso verb. */
export const isoCommand: Command = {
  name: "iso",
  summary: "build the master installer ISO from a Debian netinst",
  usage: `Usage: maekin iso build --source debian-12.x-amd64-netinst.iso [-c FILE] -o OUT.iso

Remasters a Debian 12 netinst into the master's installer: a hybrid ISO (BIOS and UEFI, CD or
USB stick) whose default entry, "Automated install", installs the master unattended with a
preseed rendered from the config, then installs maekin under /opt/maekin with the config in
/etc/maekin/maekin.yaml and enables maekin-master.service (\`maekin serve\`). The original boot
entries stay. Writes OUT.iso and OUT.iso.sha256. Needs xorriso (apt-get install xorriso).

Options:
      --source FILE     the Debian netinst ISO to start from
  -c, --config FILE     config file (default ./maekin.yaml)
  -o, --out FILE        the ISO to write
      --work-dir DIR    scratch space for the extracted tree (default: the temp dir)
      --console ARGS    kernel console arguments of the automated entry
                        (default "console=tty0 console=ttyS0,115200n8")
      --json            print the result as JSON
  -h, --help            show this help`,
  options: {
    source: { type: "string" },
    config: { type: "string", short: "c" },
    out: { type: "string", short: "o" },
    "work-dir": { type: "string" },
    console: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: true,
  async run(args, io) {
    const [action, ...extra] = args.positionals;
    if (action !== "build" || extra.length > 0) throw new UsageError(action === undefined ? 'say "build"' : `unknown iso action "${[action, ...extra].join(" ")}"`, isoCommand.usage);
    const source = str(args, "source");
    const out = str(args, "out");
    if (!source) throw new UsageError("name the Debian netinst ISO with --source", isoCommand.usage);
    if (!out) throw new UsageError("name the ISO to write with -o OUT.iso", isoCommand.usage);
    const file = str(args, "config", "maekin.yaml");
    const workDir = str(args, "work-dir");
    const console = str(args, "console");
    const started = Date.now();
    const progress = createProgress(io, io.isTty && Boolean(process.stdout.isTTY), (text) => process.stdout.write(text));
    try {
      const result = await buildMasterIso({
        source: resolve(io.cwd, source),
        out: resolve(io.cwd, out),
        config: resolve(io.cwd, file),
        configShownAs: file,
        ...(workDir ? { workDir: resolve(io.cwd, workDir) } : {}),
        ...(console ? { console } : {}),
        onEvent: progress,
      });
      progress.end();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (args.values.json) {
        io.out(JSON.stringify({ ...result, seconds: Number(seconds) }, null, 2));
        return 0;
      }
      for (const missing of result.missingAssets) io.err(`maekin: warning: boot asset not on the ISO: ${missing}; the master installs it from Debian's packages`);
      const shown = relative(io.cwd, result.out) || result.out;
      io.out(`wrote ${shown} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB, ${result.catalog.map((c) => c.platform).join(" + ")}) in ${seconds} s`);
      io.out(`sha256 ${result.sha256}  (also in ${shown}.sha256)`);
      return 0;
    } catch (err) {
      progress.end();
      if (err instanceof IsoBuildError) throw new UserError(err.message, { code: err.code, cause: err });
      throw err;
    }
  },
};
