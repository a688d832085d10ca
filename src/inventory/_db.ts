// Opens the inventory's SQLite file with the settings durability depends on, then migrates it.
import Database from "better-sqlite3";
import { InventoryError } from "./_errors.js";
import { migrate } from "./_migrations.js";

/** Opens (creating if needed) and migrates the database at path; ":memory:" for a throwaway one. */
export function openDatabase(path: string, options: { migrateTo?: number; syncOnCommit?: boolean } = {}): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new InventoryError("open-failed", `cannot open the inventory ${path}: ${(err as Error).message}; check the state dir exists and is writable`, { cause: err });
  }
  try {
    // WAL: readers never block the writer and a commit is one sequential append.
    db.pragma("journal_mode = WAL");
    // FULL by default: in WAL mode NORMAL skips the fsync at commit, so a power cut may drop the
    // last transactions even though the caller was told they were done (DESIGN.md: nothing
    // acknowledged is lost). NORMAL only for an owner that syncs before telling anyone (_barrier.ts).
    db.pragma(`synchronous = ${options.syncOnCommit === false ? "NORMAL" : "FULL"}`);
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, options.migrateTo);
  } catch (err) {
    db.close();
    if (err instanceof InventoryError) throw err;
    throw new InventoryError("open-failed", `cannot prepare the inventory ${path}: ${(err as Error).message}; move the file aside to start empty, or restore a backup`, { cause: err });
  }
  return db;
}
