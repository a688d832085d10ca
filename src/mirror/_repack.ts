// Repacking a udeb substitute from debs of the same build: the debs' files (without docs and
// manual pages, which udebs never carry) under the udeb's own control data, built by dpkg-deb.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { formatStanza, withFields, type Stanza } from "./_control.js";
import { MirrorError } from "./_errors.js";

/** Fields that describe an index entry, not the package: dropped from a control file. */
const INDEX_ONLY = ["Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512", "Description-md5", "Tag", "Phased-Update-Percentage"];

/** The control file of a repacked udeb: the udeb's stanza without index fields, plus where it came from. */
export function repackControl(udeb: Stanza, from: string): string {
  const drop = Object.fromEntries(INDEX_ONLY.map((k) => [k, undefined]));
  return `${formatStanza(withFields(udeb, { ...drop, "X-Maekin-Substitute": `repacked from ${from}` }))}\n`;
}

/** Builds `out` from the given deb files and the udeb's stanza. */
export async function repackUdeb(udeb: Stanza, debFiles: readonly string[], from: string, out: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "maekin-repack-"));
  try {
    const root = join(work, "root");
    for (const deb of debFiles) await execa("dpkg-deb", ["-x", deb, root]);
    await rm(join(root, "usr/share/doc"), { recursive: true, force: true });
    await rm(join(root, "usr/share/man"), { recursive: true, force: true });
    await rm(join(root, "usr/share/lintian"), { recursive: true, force: true });
    await mkdir(join(root, "DEBIAN"), { recursive: true });
    await writeFile(join(root, "DEBIAN", "control"), repackControl(udeb, from));
    await execa("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, out]);
  } catch (err) {
    throw new MirrorError(`repacking ${udeb.get("Package")} from ${from} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { code: "MIRROR_REPACK", cause: err });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
