import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensurePrivateDir, writeFileAtomic } from "./index.js";

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "maekin-atomic-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe("writeFileAtomic", () => {
  it.each([
    [0o600, "secret"],
    [0o644, "public"],
  ])("writes mode %o whatever the umask, replacing the old file", async (mode, text) => {
    const old = process.umask(0o077);
    try {
      const path = join(dir, "sub", "f");
      await writeFileAtomic(path, "old");
      await writeFileAtomic(path, text, mode);
      expect(await readFile(path, "utf8")).toBe(text);
      expect((await stat(path)).mode & 0o777).toBe(mode);
      expect(await readdir(join(dir, "sub"))).toEqual(["f"]);
    } finally {
      process.umask(old);
    }
  });

  it("leaves the old file and no temp file when the rename fails", async () => {
    const path = join(dir, "target");
    await mkdir(join(path, "inside"), { recursive: true });
    await expect(writeFileAtomic(path, "x")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
  });
});

describe("ensurePrivateDir", () => {
  it("creates and narrows a directory to 0700", async () => {
    const path = join(dir, "pki");
    await mkdir(path, { mode: 0o755 });
    await ensurePrivateDir(path);
    expect((await stat(path)).mode & 0o777).toBe(0o700);
  });
});
