// Group commit: one transaction per batch, a savepoint per write, and nothing resolved before the
// batch is committed (and, in WAL mode, synced).
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createGroupCommit } from "./_group-commit.js";

const dir = mkdtempSync(join(tmpdir(), "maekin-group-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openDb(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  return db;
}

describe("createGroupCommit", () => {
  it("commits a batch in one transaction, rolls back only the write that threw, and resolves after the commit", async () => {
    const db = openDb("a.db");
    const flushes: (() => void)[] = [];
    const group = createGroupCommit(db, (flush) => flushes.push(flush));
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const settled: string[] = [];
    const write = (v: string, fail = false) => group.run(() => {
      insert.run(v);
      if (fail) throw new Error(`refused ${v}`);
      return v;
    }).then((x) => { settled.push(`ok ${x}`); }, (err: Error) => { settled.push(err.message); });
    const all = Promise.all([write("a"), write("b", true), write("c"), write("a")]);
    expect(flushes).toHaveLength(1); // one batch for the whole turn
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]); // nothing is answered before the batch ran
    flushes[0]!();
    await all;
    expect(settled.sort()).toEqual(["UNIQUE constraint failed: t.v", "ok a", "ok c", "refused b"]);
    // Another connection sees exactly the survivors: the batch is committed.
    const reader = new Database(join(dir, "a.db"), { readonly: true });
    expect(reader.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual(["a", "c"]);
    reader.close();
    // The connection's own setting is back for every other write.
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    await group.close();
    db.close();
  });

  it("rejects the whole batch when the commit fails", async () => {
    const db = openDb("b.db");
    const group = createGroupCommit(db);
    const pending = group.run(() => db.prepare("INSERT INTO t (v) VALUES ('x')").run());
    db.close(); // the batch runs on a closed connection
    await expect(pending).rejects.toThrow(/not open/);
    await group.close();
  });

  it("batches the writes of one turn into one transaction, and the next turn's into another", async () => {
    const db = openDb("c.db");
    let batches = 0;
    const group = createGroupCommit(db, (flush) => { batches++; setImmediate(flush); });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => group.run(() => insert.run(String(i)).changes)));
    await group.run(() => insert.run("later"));
    expect(first).toEqual(Array(50).fill(1));
    expect(batches).toBe(2);
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(51);
    await group.close();
    db.close();
  });
});
