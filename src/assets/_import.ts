// `maekin assets import`: copies boot assets into the state dir, from Debian's packages or from
// a Rocky/Alma ISO or folder (images/pxeboot/vmlinuz and initrd.img).
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, copyFile, mkdir, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { extractArgv } from "../iso/_extract.js";
import { ASSET_SOURCES } from "./_catalog.js";

/** An import that cannot be done; the message names the file and the fix. */
export class AssetImportError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AssetImportError";
  }
}

/** The installer files of a RHEL-family tree, relative to its root. */
const PXEBOOT = ["images/pxeboot/vmlinuz", "images/pxeboot/initrd.img"] as const;

const exists = (path: string) => access(path, constants.R_OK).then(() => true, () => false);

/** Copies atomically (temp file + rename) so a half-copied kernel is never served. */
async function install(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const temp = `${to}.part`;
  await copyFile(from, temp);
  await rename(temp, to);
}

/** Imports what Debian's packages provide (iPXE builds, the Debian installer). Returns the names copied. */
export async function importFromPackages(stateDir: string): Promise<string[]> {
  const done: string[] = [];
  const missing: string[] = [];
  for (const [name, source] of Object.entries(ASSET_SOURCES)) {
    if (source.paths.length === 0) continue;
    const path = (await Promise.all(source.paths.map(async (p) => ((await exists(p)) ? p : undefined)))).find(Boolean);
    if (!path) { missing.push(`${name} (${source.fix})`); continue; }
    await install(path, join(stateDir, "assets", name));
    done.push(name);
  }
  if (missing.length > 0) throw new AssetImportError("MISSING", `not found: ${missing.join(", ")}`);
  return done;
}

/** Imports a RHEL-family installer kernel and initrd from a folder or an ISO. */
export async function importRhel(stateDir: string, os: "rocky-9" | "alma-9", from: string): Promise<string[]> {
  const info = await stat(from).catch((err) => { throw new AssetImportError("NOT_FOUND", `${from}: no such file or folder`, { cause: err }); });
  const target = (file: string) => join(stateDir, "assets", os, file.split("/").pop()!);
  if (info.isDirectory()) {
    // The DVD's root (images/pxeboot/...) or the pxeboot folder itself.
    for (const paths of [PXEBOOT.map((p) => join(from, p)), PXEBOOT.map((p) => join(from, p.split("/").pop()!))]) {
      if (!(await Promise.all(paths.map(exists))).every(Boolean)) continue;
      for (const [i, p] of paths.entries()) await install(p, target(PXEBOOT[i]!));
      return PXEBOOT.map((p) => `${os}/${p.split("/").pop()}`);
    }
    throw new AssetImportError("NOT_INSTALLER", `${from} has no images/pxeboot/vmlinuz and initrd.img (nor vmlinuz and initrd.img); point --from at the root of the ${os} DVD or its images/pxeboot folder`);
  }
  const staging = join(stateDir, "assets", os, ".import");
  await mkdir(staging, { recursive: true });
  const pairs = PXEBOOT.map((p) => [`/${p}`, join(staging, p.split("/").pop()!)] as const);
  try {
    await promisify(execFile)("xorriso", extractArgv(from, pairs), { timeout: 300_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new AssetImportError("NO_XORRISO", "xorriso is not installed: apt-get install xorriso", { cause: err });
    throw new AssetImportError("NOT_INSTALLER", `${from} is not a readable ${os} installer ISO (no /images/pxeboot/vmlinuz and initrd.img): ${e.stderr?.split("\n").find((l) => /FAILURE|SORRY/.test(l)) ?? e.message}`, { cause: err });
  }
  for (const [from2, to] of pairs) {
    if (!(await exists(to))) throw new AssetImportError("NOT_INSTALLER", `${from} has no ${from2}; is it a ${os} DVD or boot ISO?`);
    await rename(to, target(from2));
  }
  return PXEBOOT.map((p) => `${os}/${p.split("/").pop()}`);
}
