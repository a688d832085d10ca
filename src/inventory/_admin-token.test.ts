import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adminTokenPath, ensureAdminToken, readAdminToken } from "./index.js";

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "maekin-admin-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe("admin token", () => {
  it("is made once with mode 0600, then read back unchanged", async () => {
    const stateDir = join(dir, "state");
    const token = await ensureAdminToken(stateDir);
    expect(token).toMatch(/^mk[A-Za-z0-9_-]{43}$/);
    expect((await stat(adminTokenPath(stateDir))).mode & 0o777).toBe(0o600);
    expect(await readFile(adminTokenPath(stateDir), "utf8")).toBe(`${token}\n`);
    expect(await ensureAdminToken(stateDir)).toBe(token);
    expect(await readAdminToken(stateDir)).toBe(token);
    expect(await readdir(stateDir)).toEqual(["admin.token"]);
  });

  it("is refused when others could read it", async () => {
    const token = await ensureAdminToken(dir);
    await chmod(adminTokenPath(dir), 0o644);
    await expect(ensureAdminToken(dir)).rejects.toMatchObject({ code: "admin-token", message: expect.stringMatching(/readable by others/) });
    await chmod(adminTokenPath(dir), 0o600);
    expect(await ensureAdminToken(dir)).toBe(token);
  });

  it.each([
    ["missing", undefined, /maekin serve` creates it/],
    ["empty", "", /no valid token/],
    ["too short", "abc\n", /no valid token/],
  ])("read: %s file is an admin-token error", async (_label, content, message) => {
    if (content !== undefined) await writeFile(adminTokenPath(dir), content, { mode: 0o600 });
    await expect(readAdminToken(dir)).rejects.toMatchObject({ code: "admin-token", message: expect.stringMatching(message) });
  });
});
