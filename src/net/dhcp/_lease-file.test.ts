import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLeaseFile } from "./_lease-file.js";
import type { Lease } from "./_pool.js";

const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "mklease-"));
  dirs.push(d);
  return d;
}

describe("lease file", () => {
  it("group-commits a burst: every caller resolves after a write that includes its lease, with few fsyncs", async () => {
    const path = join(await tmp(), "leases.json");
    const leases: Lease[] = [];
    const store = createLeaseFile(path, () => [...leases]);
    const commits = Array.from({ length: 200 }, (_, i) => {
      leases.push({ mac: `02:00:00:00:00:${i.toString(16).padStart(2, "0")}`, ip: `10.0.0.${i}`, expiresAt: 9e15, state: "bound" });
      return store.commit();
    });
    await Promise.all(commits);
    expect(store.writes()).toBeLessThanOrEqual(3);
    expect(await store.load()).toHaveLength(200);
  });

  it("returns no leases for a missing file and a named error for a corrupt one", async () => {
    const dir = await tmp();
    expect(await createLeaseFile(join(dir, "none.json"), () => []).load()).toEqual([]);
    await writeFile(join(dir, "bad.json"), "{not json");
    await expect(createLeaseFile(join(dir, "bad.json"), () => []).load()).rejects.toMatchObject({ name: "DhcpError", code: "lease-file" });
  });

  it("rejects commits with a lease-file error when the file cannot be written", async () => {
    const dir = await tmp();
    // "sub" is a file, so no directory can hold the lease file.
    await writeFile(join(dir, "sub"), "not a directory");
    const store = createLeaseFile(join(dir, "sub", "leases.json"), () => []);
    await expect(store.commit()).rejects.toMatchObject({ code: "lease-file" });
    expect(await readFile(join(dir, "sub", "leases.json"), "utf8").catch(() => "absent")).toBe("absent");
  });
});
