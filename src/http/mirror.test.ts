// The mirror's file jail: the archive tree and the two trust files, nothing else; symlinks may
// point within the tree (dists/oldstable) but never out of it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMirrorFiles, mirrorContentType } from "./_mirror.js";

let state = "";
beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "maekin-mirror-jail-"));
  const m = join(state, "mirror");
  await mkdir(join(m, "debian", "dists", "bookworm"), { recursive: true });
  await mkdir(join(m, "debian", "pool", "main"), { recursive: true });
  await mkdir(join(m, "gnupg"), { recursive: true });
  await writeFile(join(m, "debian", "dists", "bookworm", "Release"), "Codename: bookworm\n");
  await writeFile(join(m, "gnupg", "private.key"), "secret");
  await writeFile(join(m, "maekin-keyring.cpio.gz"), "cpio");
  await writeFile(join(m, "maekin-archive.gpg"), "key");
  await symlink("bookworm", join(m, "debian", "dists", "oldstable"));
  await symlink("../../../gnupg/private.key", join(m, "debian", "pool", "main", "evil.deb"));
  await symlink("/etc/passwd", join(m, "debian", "pool", "main", "passwd.deb"));
});
afterAll(async () => { await rm(state, { recursive: true, force: true }); });

describe("mirror files", () => {
  it.each([
    ["debian/dists/bookworm/Release", true],
    ["debian/dists/oldstable/Release", true],
    ["maekin-keyring.cpio.gz", true],
    ["maekin-archive.gpg", true],
    ["gnupg/private.key", false],
    ["debian/../gnupg/private.key", false],
    ["debian/pool/main/evil.deb", false],
    ["debian/pool/main/passwd.deb", false],
    ["/etc/passwd", false],
    ["debian/dists", false],
    ["debian/dists/bookworm/Release\0", false],
    ["debian\\..\\gnupg\\private.key", false],
    ["work/apt-deb/sources.list", false],
  ])("%s -> %s", async (name, served) => {
    expect(Boolean(await createMirrorFiles(state)(name))).toBe(served);
  });
  it.each([
    ["debian/dists/bookworm/Release", "text/plain; charset=utf-8"],
    ["debian/dists/bookworm/main/binary-amd64/Packages.gz", "application/gzip"],
    ["debian/pool/main/h/hello/hello_2.10-3_amd64.deb", "application/vnd.debian.binary-package"],
    ["debian/pool/main/p/partman-base/partman-base_226_amd64.udeb", "application/vnd.debian.binary-package"],
  ])("%s is %s", (name, type) => {
    expect(mirrorContentType(name)).toBe(type);
  });
});
