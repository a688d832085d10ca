import { constants, existsSync } from "node:fs";
import { appendFile, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeChange } from "./_journal.js";
import { createLeaseStore, type LeaseStoreOptions } from "./_lease-store.js";
import type { Lease, LeaseChange } from "./_pool.js";

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };
const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "mklease-"));
  dirs.push(d);
  return d;
}

const mac = (i: number) => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
const lease = (i: number, ip = `10.0.${i >> 8}.${i & 255}`): Lease => ({ mac: mac(i), ip, expiresAt: NOW + 3_600_000, state: "bound" });
const byMac = (ls: readonly Lease[]) => [...ls].sort((a, b) => a.mac.localeCompare(b.mac));

/** A store over a model of the pool: record() also updates the model, as the pool would. */
function harness(path: string, over: Partial<LeaseStoreOptions> = {}) {
  const model = new Map<string, Lease>();
  const store = createLeaseStore({ path, clock, snapshot: () => [...model.values()], ...over });
  function apply(c: LeaseChange): void {
    if (c.kind === "bind") {
      for (const [k, l] of model) if (l.ip === c.lease.ip) model.delete(k);
      model.set(c.lease.mac, c.lease);
    } else if (model.get(c.mac)?.ip === c.ip) model.delete(c.mac);
    store.record(c);
  }
  return { store, model, apply };
}

describe("lease store", () => {
  it("round-trips binds, rebinds and frees through the journal", async () => {
    const path = join(await tmp(), "leases.json");
    const a = harness(path);
    await a.store.open();
    for (let i = 0; i < 50; i++) a.apply({ kind: "bind", lease: lease(i) });
    a.apply({ kind: "free", mac: mac(3), ip: lease(3).ip });
    a.apply({ kind: "bind", lease: { ...lease(4), ip: "10.9.9.9", hostname: "n4" } });
    a.apply({ kind: "bind", lease: { ...lease(60), ip: lease(5).ip } }); // takes 5's address
    a.apply({ kind: "free", mac: mac(7), ip: "10.1.1.1" }); // not 7's address: no change
    await a.store.commit();
    expect(a.store.stats().writes).toBe(1);
    // Written as a journal, not as a rewritten snapshot.
    expect(await readFile(path, "utf8").catch(() => "absent")).toBe("absent");
    await a.store.close();

    const b = harness(path);
    const got = await b.store.open();
    expect(byMac(got.leases)).toEqual(byMac([...a.model.values()]));
    expect(got).toMatchObject({ replayed: 54, torn: 0 });
    expect(got.leases).toHaveLength(49); // 50 bound, 3 released, 5 lost its address to 60
    await b.store.close();
  });

  it("group-commits a burst: every caller resolves after a write that holds its record, with few fsyncs", async () => {
    const path = join(await tmp(), "leases.json");
    const a = harness(path);
    await a.store.open();
    const commits = Array.from({ length: 200 }, (_, i) => {
      a.apply({ kind: "bind", lease: lease(i) });
      return a.store.commit();
    });
    await Promise.all(commits);
    expect(a.store.stats().writes).toBeLessThanOrEqual(3);
    await a.store.close();
    expect((await harness(path).store.open()).leases).toHaveLength(200);
  });

  it("writes every record committed in one event-loop turn together, and what comes during a write in the next", async () => {
    const path = join(await tmp(), "leases.json");
    const a = harness(path);
    await a.store.open();
    const turn = (from: number, n: number) => Array.from({ length: n }, (_, i) => {
      a.apply({ kind: "bind", lease: lease(from + i) });
      return a.store.commit();
    });
    // The first commit of a turn used to start a write of its record alone.
    const first = turn(0, 1);
    const rest = turn(1, 49);
    await Promise.all([...first, ...rest]);
    expect(a.store.stats()).toMatchObject({ writes: 1, records: 50 });
    // A turn that starts while that write runs: records 50-59 go in the next write, together.
    const one = turn(50, 1);
    await new Promise((r) => setImmediate(r));
    const more = turn(51, 9);
    await Promise.all([...one, ...more]);
    expect(a.store.stats().writes).toBeLessThanOrEqual(3);
    await a.store.close();
    expect((await harness(path).store.open()).leases).toHaveLength(60);
  });

  // No fdatasync follows a journal write any more: an ACK after it is durable only because the
  // journal is O_DSYNC. Linux shows an open file's flags in /proc/self/fdinfo.
  it.skipIf(!existsSync("/proc/self/fdinfo"))("opens every journal O_DSYNC, also after a rotation (Linux: reads /proc/self/fdinfo)", async () => {
    const path = join(await tmp(), "leases.json");
    const a = harness(path, { compactAfter: 10 });
    await a.store.open();
    const journalFlags = async () => {
      const out: number[] = [];
      for (const fd of await readdir("/proc/self/fd")) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
        if (!target.startsWith(`${path}.journal.`)) continue;
        const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
        const m = /^flags:\s+([0-7]+)$/m.exec(info);
        if (m) out.push(Number.parseInt(m[1]!, 8));
      }
      return out;
    };
    const first = await journalFlags();
    expect(first.length).toBeGreaterThan(0);
    for (const f of first) expect(f & constants.O_DSYNC).toBe(constants.O_DSYNC);
    for (let i = 0; i < 30; i++) { a.apply({ kind: "bind", lease: lease(i) }); await a.store.commit(); }
    expect(a.store.stats().compactions).toBeGreaterThan(0);
    const later = await journalFlags();
    expect(later.length).toBeGreaterThan(0);
    for (const f of later) expect(f & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await a.store.close();
  });

  it("drops a torn last record, counts it, and starts the next journal clean", async () => {
    const dir = await tmp();
    const path = join(dir, "leases.json");
    const good = [0, 1, 2].map((i) => encodeChange({ kind: "bind", lease: lease(i) })).join("");
    const torn = encodeChange({ kind: "bind", lease: lease(3) }).slice(0, 25);
    await writeFile(`${path}.journal.0`, good + torn);
    const a = harness(path);
    const got = await a.store.open();
    expect(got.torn).toBe(1);
    expect(byMac(got.leases)).toEqual([lease(0), lease(1), lease(2)]);
    a.apply({ kind: "bind", lease: lease(4) });
    await a.store.commit();
    await a.store.close();
    // Recovery folded the old journal into a snapshot: the torn bytes are gone for good.
    expect((await readdir(dir)).sort()).toEqual(["leases.json", "leases.json.journal.1"]);
    const b = await harness(path).store.open();
    expect(b.torn).toBe(0);
    expect(b.leases.map((l) => l.mac).sort()).toEqual([0, 1, 2, 4].map(mac));
  });

  it.each([
    ["zeros after a crash", "\0\0\0\0\0\0\0\0"],
    ["a record without its newline", '["f","02:00:00:00:00:00","10.0.0.0"]'],
    ["garbage", "}{\n"],
  ])("treats %s at the end as torn", async (_what, tail) => {
    const path = join(await tmp(), "leases.json");
    await writeFile(`${path}.journal.0`, encodeChange({ kind: "bind", lease: lease(0) }) + tail);
    const got = await harness(path).store.open();
    expect(got).toMatchObject({ torn: 1, replayed: 1 });
    expect(got.leases).toEqual([lease(0)]);
  });

  it("compacts in the background: a new snapshot, old journals removed, the same leases after reopening", async () => {
    const dir = await tmp();
    const path = join(dir, "leases.json");
    const a = harness(path, { compactAfter: 40, chunk: 7 });
    await a.store.open();
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 10 }, (_, j) => {
        const i = (round * 10 + j) % 170; // rebinding the same MACs again and again
        a.apply(j === 9 ? { kind: "free", mac: mac(i - 1), ip: lease(i - 1).ip } : { kind: "bind", lease: { ...lease(i), hostname: `h${round}` } });
        return a.store.commit();
      });
      await Promise.all(batch);
    }
    await a.store.close();
    const stats = a.store.stats();
    expect(stats.compactions).toBeGreaterThanOrEqual(2);
    const snap = JSON.parse(await readFile(path, "utf8")) as { version: number; journal: number; leases: Lease[] };
    expect(snap.version).toBe(1);
    const journals = (await readdir(dir)).filter((n) => n.includes(".journal."));
    // Only journals the snapshot does not cover remain (the compaction deletes the ones before it).
    expect(journals.map((n) => Number(n.split(".").pop())).every((n) => n >= snap.journal)).toBe(true);
    expect(journals.length).toBeLessThanOrEqual(2);
    const b = await harness(path).store.open();
    expect(byMac(b.leases)).toEqual(byMac([...a.model.values()]));
  });

  it("reads a snapshot written before journals existed (no journal field)", async () => {
    const path = join(await tmp(), "leases.json");
    await writeFile(path, `${JSON.stringify({ version: 1, leases: [lease(1), { ...lease(2), expiresAt: NOW - 1 }] })}\n`);
    await appendFile(`${path}.journal.0`, encodeChange({ kind: "free", mac: mac(1), ip: lease(1).ip }) + encodeChange({ kind: "bind", lease: lease(3) }));
    expect((await harness(path).store.open()).leases).toEqual([lease(3)]);
  });

  it("ignores journals older than the snapshot (a compaction that died before deleting them)", async () => {
    const path = join(await tmp(), "leases.json");
    await writeFile(path, `${JSON.stringify({ version: 1, journal: 5, leases: [lease(1)] })}\n`);
    await writeFile(`${path}.journal.4`, encodeChange({ kind: "free", mac: mac(1), ip: lease(1).ip }));
    await writeFile(`${path}.journal.5`, encodeChange({ kind: "bind", lease: lease(2) }));
    expect(byMac((await harness(path).store.open()).leases)).toEqual([lease(1), lease(2)]);
  });

  it("refuses a corrupt snapshot and an unwritable state dir with a lease-file error", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "bad.json"), "{not json");
    await expect(harness(join(dir, "bad.json")).store.open()).rejects.toMatchObject({ name: "DhcpError", code: "lease-file" });
    // "sub" is a file, so no directory can hold the lease file.
    await writeFile(join(dir, "sub"), "not a directory");
    await expect(harness(join(dir, "sub", "leases.json")).store.open()).rejects.toMatchObject({ code: "lease-file" });
  });
});
