import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TftpError } from "./_errors.js";
import { fileTreeHandler } from "./_handlers.js";
import { normalizeTftpPath } from "./_jail.js";

const client = { address: "127.0.0.1", port: 1, family: "IPv4" } as const;
let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mk-tftp-jail-"));
  root = join(dir, "root");
  await mkdir(join(root, "boot/grub"), { recursive: true });
  await writeFile(join(root, "pxelinux.0"), "PXE");
  await writeFile(join(root, "boot/grub/grub.cfg"), "GRUB");
  await writeFile(join(dir, "secret"), "SECRET"); // beside the root, not in it
  await mkdir(join(dir, "outside"));
  await writeFile(join(dir, "outside/file"), "OUT");
  await symlink("/etc", join(root, "etc-link"));
  await symlink("/etc/passwd", join(root, "passwd-link"));
  await symlink(join(dir, "outside"), join(root, "escape-dir"));
  await symlink("../secret", join(root, "rel-escape"));
  await symlink("boot/grub/grub.cfg", join(root, "ok-link")); // stays inside: allowed
  await symlink("loop-b", join(root, "loop-a"));
  await symlink("loop-a", join(root, "loop-b"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function content(path: string): Promise<string | null> {
  const src = await fileTreeHandler(root)(path, client);
  if (!src) return null;
  try {
    return (await src.read(0, src.size)).toString();
  } finally {
    await src.close?.();
  }
}

describe("fileTreeHandler root jail", () => {
  it.each([
    "../secret",
    "..\\secret",
    "../../../../etc/passwd",
    "foo/../../secret",
    "boot/../../secret",
    "boot\\..\\..\\secret",
    "./../secret",
    "/../secret",
    "etc-link/passwd",
    "passwd-link",
    "escape-dir/file",
    "rel-escape",
    "loop-a",
    "pxelinux.0\0.cfg",
    "boot",
    "/",
    "",
  ])("refuses %j with ERROR 2 access violation", async (path) => {
    const err = await content(path).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TftpError);
    expect((err as TftpError).code).toBe("TFTP_ACCESS_VIOLATION");
    expect((err as TftpError).wireCode).toBe(2);
  });

  it.each([
    "/etc/passwd", // leading "/" is stripped: this names <root>/etc/passwd, which does not exist
    "..%2fsecret", // no URL decoding: a literal, missing name
    "%2e%2e/secret",
    "file:///etc/passwd",
    "C:\\Windows\\system.ini",
    "missing.bin",
  ])("never serves anything outside for %j (not found)", async (path) => {
    expect(await content(path)).toBeNull();
  });

  it.each([
    ["pxelinux.0", "PXE"],
    ["/pxelinux.0", "PXE"],
    ["\\boot\\grub\\grub.cfg", "GRUB"],
    ["boot//grub/./grub.cfg", "GRUB"],
    ["ok-link", "GRUB"],
  ])("serves %j from inside the root", async (path, expected) => {
    expect(await content(path)).toBe(expected);
  });

  it("reads by offset without loading the whole file", async () => {
    await writeFile(join(root, "big"), Buffer.alloc(100_000, 7));
    const src = await fileTreeHandler(root)("big", client);
    if (!src) throw new Error("big not found");
    expect(src.size).toBe(100_000);
    expect((await src.read(99_990, 50)).length).toBe(10);
    await src.close?.();
  });
});

describe("normalizeTftpPath", () => {
  it.each([
    ["/a/b", ["a", "b"]],
    ["a\\b", ["a", "b"]],
    ["//a/./b/", ["a", "b"]],
  ])("%j → %j", (input, segments) => {
    expect(normalizeTftpPath(input)).toEqual(segments);
  });
});
