// `maekin assets`: list the boot assets and where they come from, or import them into the state dir.
import { resolve } from "node:path";
import { AssetImportError, createAssetCatalog, importFromPackages, importRhel } from "../assets/index.js";
import { str, UsageError, UserError, type Command } from "./_command.js";
import { DEFAULT_STATE_DIR } from "./serve.js";

/** The assets verb. */
export const assetsCommand: Command = {
  name: "assets",
  summary: "list boot assets, or import them into the state dir",
  usage: `Usage: maekin assets list [--state-dir DIR] [--json]
       maekin assets import [--state-dir DIR]
       maekin assets import --os rocky-9|alma-9 --from DVD.iso|DIR [--state-dir DIR]

list     every asset (iPXE builds, installer kernels and initrds), where it is found, or how to get it
import   without --from: copies the iPXE builds and the Debian installer from Debian's packages
         (ipxe, debian-installer-12-netboot-amd64) into DIR/assets, so the master no longer
         depends on them; with --from: copies images/pxeboot/vmlinuz and initrd.img of a
         Rocky/Alma 9 ISO (read with xorriso) or folder into DIR/assets/<os>/

Options:
      --state-dir DIR   (default ${DEFAULT_STATE_DIR})
      --os OS           rocky-9 or alma-9, with --from
      --from PATH       an installer ISO, its root folder or its images/pxeboot folder
      --json            list as JSON
  -h, --help            show this help`,
  options: { "state-dir": { type: "string" }, os: { type: "string" }, from: { type: "string" }, json: { type: "boolean" } },
  positionals: true,
  async run(args, io) {
    const stateDir = resolve(io.cwd, str(args, "state-dir", DEFAULT_STATE_DIR));
    const [action] = args.positionals;
    if (action === "list") {
      const report = await createAssetCatalog({ stateDir }).report();
      if (args.values.json) io.out(JSON.stringify(report, null, 2));
      else for (const a of report) io.out(`${a.name.padEnd(20)} ${a.path ?? `missing: ${a.fix}`}`);
      return report.every((a) => a.path) ? 0 : 1;
    }
    if (action !== "import") throw new UsageError(`say "list" or "import"${action ? `, not "${action}"` : ""}`, assetsCommand.usage);
    const from = str(args, "from");
    const os = str(args, "os");
    try {
      let names: string[];
      if (from) {
        if (os !== "rocky-9" && os !== "alma-9") throw new UsageError("--from needs --os rocky-9 or --os alma-9", assetsCommand.usage);
        names = await importRhel(stateDir, os, resolve(io.cwd, from));
      } else {
        if (os) throw new UsageError("--os goes with --from", assetsCommand.usage);
        names = await importFromPackages(stateDir);
      }
      for (const name of names) io.out(`imported ${name}`);
      return 0;
    } catch (err) {
      if (err instanceof AssetImportError) throw new UserError(err.message, { code: err.code, cause: err });
      throw err;
    }
  },
};
