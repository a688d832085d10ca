// The durability barrier: a wait is answered by a sync that started after it, and a burst of
// waits shares syncs instead of paying one each.
import Database from "better-sqlite3";
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createBarrier } from "./_barrier.js";
import { createInventory } from "./_store.js";

const dir = mkdtempSync(join(tmpdir(), "maekin-barrier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Counts FileHandle.datasync calls, and lets the test finish each one when it likes. */
async function spyDatasync() {
  const probe = await open(join(dir, "probe"), "w");
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  const real = proto.datasync;
  const pending: (() => void)[] = [];
  const spy = vi.spyOn(proto, "datasync").mockImplementation(function (this: unknown) {
    return new Promise<void>((resolve, reject) => pending.push(() => void real.call(this).then(resolve, reject)));
  });
  /** Lets the oldest datasync finish, once one has started (opening the file takes the thread pool a while on a busy machine). */
  const finishOne = async () => {
    for (let waited = 0; pending.length === 0; waited += 5) {
      if (waited > 10_000) throw new Error("no datasync started within 10 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    pending.shift()!();
  };
  return { spy, finishOne };
}

function walDb(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (v INTEGER)");
  return db;
}

describe("createBarrier", () => {
  it("answers a wait only with a sync that started after it, and shares the next sync among waiters", async () => {
    const db = walDb("a.db");
    const barrier = createBarrier(db);
    const { spy, finishOne } = await spyDatasync();
    const done: string[] = [];
    db.prepare("INSERT INTO t VALUES (1)").run();
    const first = barrier.wait().then(() => done.push("first"));
    await new Promise((r) => setImmediate(r));
    // Committed while the first sync runs: that sync may not cover it.
    db.prepare("INSERT INTO t VALUES (2)").run();
    const later = Array.from({ length: 20 }, (_, i) => barrier.wait().then(() => done.push(`later${i}`)));
    await finishOne();
    await first;
    expect(done).toEqual(["first"]);
    await finishOne();
    await Promise.all(later);
    expect(done).toHaveLength(21);
    expect(spy).toHaveBeenCalledTimes(2); // 21 waits, two syncs
    await barrier.close();
    db.close();
  });

  it("stops promising after a failed datasync: onFailure once, every later wait rejects without syncing", async () => {
    const db = walDb("b.db");
    db.prepare("INSERT INTO t VALUES (1)").run();
    const failures: string[] = [];
    const barrier = createBarrier(db, { onFailure: (err) => failures.push(err.message) });
    const proto = Object.getPrototypeOf(await open(join(dir, "probe2"), "w").then(async (f) => { await f.close(); return f; })) as { datasync(): Promise<void> };
    const spy = vi.spyOn(proto, "datasync").mockRejectedValueOnce(new Error("EIO: i/o error"));
    await expect(barrier.wait()).rejects.toThrow(/EIO/);
    await expect(barrier.wait()).rejects.toThrow(/cannot promise durability since a sync failed: EIO/);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(failures).toEqual(["EIO: i/o error"]);
    await barrier.close();
    db.close();
  });

  it("opens the WAL again after a failed open (nothing was left unsynced), and refuses waits once closed", async () => {
    const db = walDb("c.db");
    const failures: string[] = [];
    const barrier = createBarrier(db, { onFailure: (err) => failures.push(err.message) });
    renameSync(join(dir, "c.db-wal"), join(dir, "c.db-wal.away")); // the open fails with ENOENT
    await expect(barrier.wait()).rejects.toThrow(/ENOENT/);
    renameSync(join(dir, "c.db-wal.away"), join(dir, "c.db-wal"));
    await expect(barrier.wait()).resolves.toBeUndefined();
    expect(failures).toEqual([]);
    await barrier.close();
    await expect(barrier.wait()).rejects.toThrow(/closed/);
    db.close();
  });

  it("resolves at once without a WAL (in memory)", async () => {
    const db = new Database(":memory:");
    const { spy } = await spyDatasync();
    await createBarrier(db).wait();
    expect(spy).not.toHaveBeenCalled();
    db.close();
  });
});

describe("inventory without syncOnCommit", () => {
  it("durable() syncs the WAL once; with syncOnCommit (the default) it has nothing left to do", async () => {
    const path = join(dir, "inv.db");
    const inv = createInventory({ path, syncOnCommit: false });
    const { spy, finishOne } = await spyDatasync();
    inv.ensureNode({ name: "n1", mac: "52:54:00:00:00:01" });
    const durable = inv.durable();
    await finishOne();
    await durable;
    expect(spy).toHaveBeenCalledTimes(1);
    inv.close();
    const full = createInventory({ path });
    await full.durable();
    expect(spy).toHaveBeenCalledTimes(1); // FULL synced inside the commit already
    expect(full.getByName("n1")?.macs).toEqual(["52:54:00:00:00:01"]);
    full.close();
  });
});
