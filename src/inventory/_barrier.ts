// The durability barrier: `wait()` resolves once everything committed before the call is on disk.
// With synchronous=NORMAL a WAL commit only writes its frames; the barrier fdatasyncs the WAL file
// on the thread pool, so the event loop never waits for the disk, and callers that arrive while a
// sync runs share the next one (one fsync for a whole burst). That is as durable as
// synchronous=FULL, which syncs the same file inside each commit, on the caller's thread.
import type Database from "better-sqlite3";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Syncs what is committed. */
export interface Barrier {
  /** Resolves when every commit made before the call is durable; rejects when the sync failed. */
  wait(): Promise<void>;
  /** Lets go of the WAL file; a sync in flight still settles. */
  close(): Promise<void>;
}

const noop = () => undefined;

/** A barrier over db's WAL; one that resolves at once for a database without a WAL file (memory, rollback journal). */
export function createBarrier(db: Database.Database): Barrier {
  const wal = !db.memory && String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
  let file: Promise<FileHandle> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  let dirSynced = false;
  const syncFile = async () => {
    file ??= open(`${db.name}-wal`, "r");
    await (await file).datasync();
    // Once: the directory entry of the WAL file, which SQLite created without syncing it.
    if (!dirSynced) {
      const dir = await open(dirname(db.name), "r");
      try { await dir.sync(); } finally { await dir.close(); }
      dirSynced = true;
    }
  };

  const start = (): Promise<void> => {
    const sync = syncFile();
    running = sync;
    sync.then(noop, noop).finally(() => { if (running === sync) running = undefined; });
    return sync;
  };

  return {
    wait() {
      // Without a WAL, each commit synced (or, in memory, there is no disk).
      if (!wal) return Promise.resolve();
      if (!running) return start();
      // The running sync may have started before the caller's commit: wait for a fresh one.
      next ??= running.then(noop, noop).then(() => { next = undefined; return start(); });
      return next;
    },
    async close() {
      const f = file;
      file = undefined;
      await (await f?.catch(() => undefined))?.close();
    },
  };
}
