// The asset catalog: jailed names, and one lookup shared by a burst of requests for a name.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanName, createAssetCatalog } from "./_catalog.js";

let state: string;
beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "maekin-catalog-"));
  await mkdir(join(state, "assets", "debian-12"), { recursive: true });
  await writeFile(join(state, "assets", "debian-12", "linux"), "kernel");
  await writeFile(join(tmpdir(), "maekin-catalog-outside"), "secret");
  await symlink(join(tmpdir(), "maekin-catalog-outside"), join(state, "assets", "escape"));
});
afterAll(async () => {
  await rm(state, { recursive: true, force: true });
  await rm(join(tmpdir(), "maekin-catalog-outside"), { force: true });
});

describe("createAssetCatalog", () => {
  it("refuses names that leave the root, also through a symlink", async () => {
    const catalog = createAssetCatalog({ stateDir: state, reuseMs: 0 });
    expect(cleanName("../etc/passwd")).toBeUndefined();
    expect(cleanName("/etc/passwd")).toBeUndefined();
    expect(await catalog.resolve("escape")).toBeUndefined();
    expect(await catalog.resolve("debian-12/linux")).toMatchObject({ size: 6 });
  });

  it("reuses where a name was found, never a miss, and stats the file on every request", async () => {
    const catalog = createAssetCatalog({ stateDir: state, reuseMs: 60_000 });
    const name = "debian-12/extra.img"; // not a packaged asset: found only once imported
    const path = join(state, "assets", name);
    expect(await catalog.resolve(name)).toBeUndefined();
    await writeFile(path, "initrd!");
    expect(await catalog.resolve(name)).toMatchObject({ path, size: 7 }); // a miss is not kept
    await writeFile(path, "a longer initrd"); // replaced in place: its own size at once
    expect(await catalog.resolve(name)).toMatchObject({ path, size: 15 });
    await rm(path);
    expect(await catalog.resolve(name)).toBeUndefined(); // the path is reused, the stat says it is gone
  });
});
