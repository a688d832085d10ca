// The inventory schema as an ordered list of migrations. The database's PRAGMA user_version is
// the number of migrations applied; opening runs the missing ones, each in its own transaction
// together with the version bump, so a crash leaves the database at one version or the next.
// Never edit a released entry: append a new one.
import type Database from "better-sqlite3";
import { InventoryError } from "./_errors.js";

/** One schema step: `version` is user_version after it ran. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, in order. Version 2 is kept apart from 1 so the upgrade path runs from day one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "nodes, MACs, event log",
    sql: `
      CREATE TABLE nodes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        ip TEXT,
        profile TEXT,
        source TEXT NOT NULL CHECK (source IN ('config', 'dhcp')),
        state TEXT NOT NULL,
        state_since INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        facts TEXT NOT NULL DEFAULT '{}',
        firmware TEXT,
        last_heartbeat INTEGER,
        install_token_hash TEXT UNIQUE,
        agent_key_hash TEXT UNIQUE,
        cert_serial TEXT,
        failure_reason TEXT
      );
      CREATE TABLE node_macs (
        mac TEXT PRIMARY KEY,
        node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        origin TEXT NOT NULL
      );
      CREATE INDEX node_macs_node ON node_macs(node_id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node_id INTEGER NOT NULL,
        node_name TEXT NOT NULL,
        time INTEGER NOT NULL,
        type TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_node ON events(node_id, id);
    `,
  },
  {
    version: 2,
    name: "failing check, heartbeat index, append-only events",
    sql: `
      ALTER TABLE nodes ADD COLUMN failing_check TEXT;
      CREATE INDEX nodes_heartbeat ON nodes(state, last_heartbeat);
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database up to `target` (default the newest); returns the versions applied. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, migrations = MIGRATIONS): number[] {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new InventoryError("schema-too-new",
      `${db.name} has inventory schema version ${current}, newer than this maekin knows (${SCHEMA_VERSION}); run the newer maekin or restore a backup`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
