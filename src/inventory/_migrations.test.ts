import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "./_db.js";
import { migrate, MIGRATIONS, SCHEMA_VERSION } from "./_migrations.js";
import { createInventory } from "./index.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "maekin-mig-"));
  path = join(dir, "inventory.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("are numbered 1, 2, ... in order", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("upgrade a version 1 database and keep its data", () => {
    const old = openDatabase(path, { migrateTo: 1 });
    expect(old.pragma("user_version", { simple: true })).toBe(1);
    old.prepare(`INSERT INTO nodes (name, source, state, state_since, created_at, updated_at) VALUES ('old', 'config', 'ready', 1, 1, 1)`).run();
    old.prepare("INSERT INTO node_macs VALUES ('52:54:00:00:00:01', 1, 'config')").run();
    old.prepare("INSERT INTO events (node_id, node_name, time, type, message) VALUES (1, 'old', 1, 'declared', 'from v1')").run();
    // Version 1 had no append-only triggers: the upgrade is what adds them.
    old.prepare("UPDATE events SET message = 'from v1'").run();
    old.close();

    const inv = createInventory({ path, clock: { now: () => 10 } });
    try {
      const node = inv.getByMac("52:54:00:00:00:01");
      expect(node).toMatchObject({ name: "old", state: "ready", facts: {} });
      expect(inv.events(node!.id).map((e) => e.message)).toEqual(["from v1"]);
      // failing_check is a version 2 column.
      expect(inv.transition(node!.id, "failed", { reason: "kvm missing", check: "kvm" }).node.failure).toEqual({ reason: "kvm missing", check: "kvm" });
    } finally {
      inv.close();
    }
    const db = new Database(path);
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      expect(() => db.prepare("DELETE FROM events").run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it("roll a failing migration back whole, leaving the previous version", () => {
    const db = new Database(path);
    try {
      const broken = [MIGRATIONS[0]!, { version: 2, name: "broken", sql: "ALTER TABLE nodes ADD COLUMN x TEXT; SELECT * FROM no_such_table;" }];
      expect(() => migrate(db, 2, broken)).toThrow(/no_such_table/);
      expect(db.pragma("user_version", { simple: true })).toBe(1);
      expect(db.prepare("SELECT name FROM pragma_table_info('nodes') WHERE name = 'x'").all()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("refuse a database from a newer maekin", () => {
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => createInventory({ path })).toThrow(expect.objectContaining({ code: "schema-too-new", message: expect.stringMatching(/newer maekin/) }));
  });

  it("refuse a file that is no database, saying what to do", () => {
    expect(() => createInventory({ path: dir })).toThrow(expect.objectContaining({ code: "open-failed" }));
  });

  it("open with WAL and synchronous=FULL", () => {
    const db = openDatabase(path);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      // 2 = FULL (0 OFF, 1 NORMAL, 3 EXTRA)
      expect(db.pragma("synchronous", { simple: true })).toBe(2);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });
});
