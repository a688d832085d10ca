// `maekin iso build`: remasters a Debian netinst into the master installer. Reads the source's
// boot set-up from the source, extracts its tree, adds the automated entry, an initrd with the
// master's preseed appended, and the payload, then writes the tree with the same boot set-up.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { createAssetCatalog } from "../assets/index.js";
import { loadConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { packageRoot } from "../model/paths.js";
import { checkPreseed } from "../render/_check.js";
import { createEngine, MASTER_PATHS, masterProfile, renderMasterFiles } from "../render/index.js";
import { encodeCpio } from "./_cpio.js";
import { IsoBuildError } from "./_errors.js";
import { updateMd5sums } from "./_md5sums.js";
import { autoArgs, findInstallerEntry, grubWithAutomated, isolinuxEntry, isolinuxWithAutomated, withoutMenuDefault } from "./_menus.js";
import { configFilePaths, payloadPlan, writePayload, type PackageLock } from "./_payload.js";
import { runXorriso } from "./_run.js";
import { bootSetup, catalogArgv, extractAllArgv, parseCatalog, parseMkisofsReport, parseProgress, reportArgv, writeArgv, type BootSetup } from "./_xorriso.js";

/** What the preseed's early_command prints on the serial console. */
export const PRESEED_MARKER = "MAEKIN-PRESEED-OK";
/** Kernel console arguments of the automated entry: the screen and the first serial port, as for nodes. */
export const DEFAULT_CONSOLE = "console=tty0 console=ttyS0,115200n8";
/** GRUB's menu on Debian ISOs (BIOS GRUB images and the EFI image both read it). */
const GRUB_CFG = "/boot/grub/grub.cfg";
const MiB = 1024 * 1024;
/** Head room on top of the source's size: payload (Node.js, modules), new initrd, slack. */
const EXTRA_SPACE = 512 * MiB;

/** Progress of a build: a step starts, or the ISO write advances. */
export type BuildEvent = { readonly kind: "step"; readonly message: string } | { readonly kind: "progress"; readonly percent: number };

/** Inputs of a build. */
export interface BuildOptions {
  readonly source: string;
  readonly out: string;
  readonly config: string;
  /** How the config file is named in messages (default: its path). */
  readonly configShownAs?: string;
  /** Scratch space for the extracted tree (default: the OS temp dir). */
  readonly workDir?: string;
  readonly console?: string;
  readonly onEvent?: (event: BuildEvent) => void;
  /** The Node.js binary shipped in the payload (default: the one running). */
  readonly nodeBinary?: string;
}

/** What a build made. */
export interface BuildResult {
  readonly out: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly boot: BootSetup;
  readonly catalog: { platform: string; path?: string }[];
  readonly assets: string[];
  readonly missingAssets: string[];
}

/** Builds the master ISO; throws IsoBuildError (or ConfigError for a bad config). */
export async function buildMasterIso(options: BuildOptions): Promise<BuildResult> {
  const emit = options.onEvent ?? (() => {});
  const step = (message: string) => emit({ kind: "step", message });
  const source = resolve(options.source);
  const out = resolve(options.out);

  step(`checking ${options.configShownAs ?? options.config}`);
  const configText = await readFile(options.config, "utf8").catch(() => "");
  const cluster = createCluster(await loadConfig(options.config, options.configShownAs ?? options.config), { baseDir: dirname(resolve(options.config)) });
  let configFiles: { path: string; from: string }[];
  try {
    configFiles = configFilePaths(cluster.profiles.values()).map((path) => ({ path, from: join(cluster.baseDir, path) }));
  } catch (err) {
    throw new IsoBuildError("CONFIG_UNFIT", `${options.configShownAs ?? options.config}: ${(err as Error).message}`, { cause: err });
  }
  if (!masterProfile(cluster)) {
    throw new IsoBuildError("CONFIG_UNFIT", `${options.configShownAs ?? options.config}: the master installs Debian 12 with a profile's root password and SSH keys; add a profile with os: debian-12`);
  }
  const sourceInfo = await stat(source).catch((err: unknown) => {
    throw new IsoBuildError("SOURCE_MISSING", `${options.source}: no such file; download debian-12.x-amd64-netinst.iso and name it with --source`, { cause: err });
  });
  if (!sourceInfo.isFile()) throw new IsoBuildError("NOT_INSTALLER", `${options.source} is not a file; --source takes a Debian netinst ISO`);

  const workRoot = resolve(options.workDir ?? tmpdir());
  await mkdir(workRoot, { recursive: true });
  await mkdir(dirname(out), { recursive: true });
  await checkSpace(workRoot, dirname(out), sourceInfo.size);

  step(`reading the boot set-up of ${basename(source)}`);
  const report = await runXorriso(reportArgv(source), { what: `${options.source} is not a readable ISO image`, failCode: "NOT_INSTALLER" });
  // xorriso reads a file without an ISO 9660 volume as a blank image and says so only in a warning.
  if (/No ISO 9660 image/i.test(report.stderr)) throw new IsoBuildError("NOT_INSTALLER", `${options.source} is not a readable ISO image (no ISO 9660 volume in it); use debian-12.x-amd64-netinst.iso`);
  const bootOptions = parseMkisofsReport(report.stdout);
  const boot = bootSetup(bootOptions);
  if (!boot.bios || !boot.efi) {
    const missing = [!boot.bios && "BIOS", !boot.efi && "UEFI"].filter(Boolean).map((p) => `${p} El Torito entry`).join(" and no ");
    throw new IsoBuildError("NOT_INSTALLER", `${options.source} is not a Debian installer ISO for BIOS and UEFI: it has no ${missing}; use debian-12.x-amd64-netinst.iso`);
  }

  const work = await mkdtemp(join(workRoot, "maekin-iso-"));
  const tree = join(work, "tree");
  const partial = `${out}.part`;
  try {
    step(`extracting ${basename(source)}`);
    await runXorriso(extractAllArgv(source, tree), { what: `extracting ${options.source} failed`, failCode: "NOT_INSTALLER" });
    await makeWritable(tree);
    const inTree = (p: string) => join(tree, ...p.split("/").filter(Boolean));

    const grubCfg = await readFile(inTree(GRUB_CFG), "utf8").catch(() => undefined);
    const entry = grubCfg ? findInstallerEntry(grubCfg) : undefined;
    if (!grubCfg || !entry) throw new IsoBuildError("NOT_INSTALLER", `${options.source} is not a Debian installer ISO: ${grubCfg ? `${GRUB_CFG} has no installer entry` : `it has no ${GRUB_CFG}`}`);
    const originalInitrd = await readFile(inTree(entry.initrd)).catch(() => undefined);
    if (!originalInitrd) throw new IsoBuildError("NOT_INSTALLER", `${options.source}: the installer entry's initrd ${entry.initrd} is missing`);

    step("rendering the master's preseed");
    const files = renderMasterFiles(createEngine(), cluster, { marker: PRESEED_MARKER, version: await packageVersion() });
    const problems = checkPreseed(files.preseed);
    if (problems.length > 0) throw new IsoBuildError("CONFIG_UNFIT", `the master's preseed would not install:\n${problems.join("\n")}`);

    // The original initrd stays as it is, so the source's own entries install as before; the
    // automated entry boots a copy with the preseed segment appended.
    step("appending the preseed to the installer initrd");
    const initrd = posix.join(posix.dirname(entry.initrd), "maekin", posix.basename(entry.initrd));
    const segment = gzipSync(encodeCpio([
      { name: "preseed.cfg", data: files.preseed, mode: 0o644 },
      { name: MASTER_PATHS.lateInInitrd, data: files.late, mode: 0o755 },
    ]), { level: 9 });
    const changed = new Map<string, Buffer>();
    changed.set(initrd, Buffer.concat([originalInitrd, segment]));

    step("making Automated install the default boot entry");
    const auto = { kernel: entry.kernel, initrd, args: autoArgs(options.console ?? DEFAULT_CONSOLE) };
    changed.set(GRUB_CFG, Buffer.from(grubWithAutomated(grubCfg, auto)));
    const isolinuxDir = posix.dirname(boot.bios);
    const isolinuxCfg = await readFile(inTree(posix.join(isolinuxDir, "isolinux.cfg")), "utf8").catch(() => undefined);
    if (isolinuxCfg !== undefined) {
      for (const name of await readdir(inTree(isolinuxDir))) {
        if (!name.endsWith(".cfg") || name === "isolinux.cfg") continue;
        const text = await readFile(inTree(posix.join(isolinuxDir, name)), "utf8");
        const edited = withoutMenuDefault(text);
        if (edited !== text) changed.set(posix.join(isolinuxDir, name), Buffer.from(edited));
      }
      changed.set(posix.join(isolinuxDir, "maekin.cfg"), Buffer.from(isolinuxEntry(auto)));
      changed.set(posix.join(isolinuxDir, "isolinux.cfg"), Buffer.from(isolinuxWithAutomated(isolinuxCfg, "maekin.cfg")));
    }
    for (const [path, data] of changed) {
      await mkdir(dirname(inTree(path)), { recursive: true });
      await writeFile(inTree(path), data);
    }

    step("packing the payload (maekin, Node.js, production modules, config, boot assets)");
    const catalogOfAssets = await createAssetCatalog({ stateDir: join(work, "no-state") }).report();
    const assets = catalogOfAssets.filter((a) => a.path).map((a) => ({ name: a.name, path: a.path! }));
    const missingAssets = catalogOfAssets.filter((a) => !a.path && !/^(rocky|alma)-9\//.test(a.name)).map((a) => `${a.name} (${a.fix})`);
    const lock = JSON.parse(await readFile(join(packageRoot, "package-lock.json"), "utf8")) as PackageLock;
    const payloadPath = inTree(MASTER_PATHS.payloadOnMedia);
    await mkdir(dirname(payloadPath), { recursive: true });
    try {
      await writePayload(payloadPlan({ packageRoot, lock, nodeBinary: options.nodeBinary ?? process.execPath, configText, configFiles, unit: files.unit, assets }), payloadPath);
    } catch (err) {
      throw new IsoBuildError("PAYLOAD_FAILED", `packing the payload failed: ${(err as Error).message}; run \`npm ci && npm run build\` in the maekin package first`, { cause: err });
    }

    const md5 = inTree("/md5sum.txt");
    const md5Text = await readFile(md5, "utf8").catch(() => undefined);
    if (md5Text !== undefined) {
      const sums = new Map<string, string>();
      for (const path of [...changed.keys(), MASTER_PATHS.payloadOnMedia]) sums.set(`.${path}`, await fileHash(inTree(path), "md5"));
      await writeFile(md5, updateMd5sums(md5Text, sums));
    }
    // xorriso writes a fresh boot catalog where the source had its own.
    if (boot.catalog) await rm(inTree(boot.catalog), { force: true });

    step(`writing ${basename(out)}`);
    await rm(partial, { force: true });
    await runXorriso(writeArgv({ out: partial, tree, boot: bootOptions }), {
      what: `writing ${out} failed`,
      onLine: (line) => {
        const percent = parseProgress(line);
        if (percent !== undefined) emit({ kind: "progress", percent });
      },
    });
    emit({ kind: "progress", percent: 100 });

    step("checking the result's El Torito catalog");
    const catalog = parseCatalog((await runXorriso(catalogArgv(partial), { what: `reading ${partial} back failed` })).stdout);
    const platforms = catalog.map((c) => c.platform);
    if (!platforms.includes("BIOS") || !platforms.includes("UEFI")) {
      throw new IsoBuildError("RESULT_UNBOOTABLE", `the written image's El Torito catalog has ${platforms.join(", ") || "no entries"}, not BIOS and UEFI; please report this with the source ISO's name`);
    }
    await rename(partial, out);
    const sha256 = await fileHash(out, "sha256");
    await writeFile(`${out}.sha256`, `${sha256}  ${basename(out)}\n`);
    return { out, sha256, bytes: (await stat(out)).size, boot, catalog, assets: assets.map((a) => a.name), missingAssets };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/** Refuses to start when the scratch or output file system is too small (the tree plus the output). */
async function checkSpace(workDir: string, outDir: string, sourceBytes: number): Promise<void> {
  const need = sourceBytes + EXTRA_SPACE;
  const [workDev, outDev] = await Promise.all([stat(workDir).then((s) => s.dev), stat(outDir).then((s) => s.dev)]);
  const checks = workDev === outDev ? [[workDir, 2 * need, "the extracted tree and the new ISO"] as const] : [[workDir, need, "the extracted tree"] as const, [outDir, need, "the new ISO"] as const];
  for (const [dir, bytes, what] of checks) {
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    if (free < bytes) {
      throw new IsoBuildError("NO_SPACE", `not enough space in ${dir}: ${what} need about ${Math.ceil(bytes / MiB)} MiB, ${Math.floor(free / MiB)} MiB are free; free some space or choose another place with --work-dir / -o`);
    }
  }
}

/** xorriso extracts read-only files and folders, as they are on the ISO; the remaster edits them. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, 0o644 | ((await stat(path)).mode & 0o111));
  }
}

async function fileHash(path: string, algorithm: "md5" | "sha256"): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}


