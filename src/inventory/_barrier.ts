// The durability barrier: `wait()` resolves once everything committed before the call is on disk.
// With synchronous=NORMAL a WAL commit only writes its frames; the barrier fdatasyncs the WAL file
// on the thread pool, so the event loop never waits for the disk, and callers that arrive while a
// sync runs share the next one (one fsync for a whole burst). That is as durable as
// synchronous=FULL, which syncs the same file inside each commit, on the caller's thread.
import type Database from "better-sqlite3";
import { open, type FileHandle } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { dirname } from "node:path";

/** Syncs what is committed. */
export interface Barrier {
  /** Resolves when every commit made before the call is durable; rejects when the sync failed. */
  wait(): Promise<void>;
  /** Lets go of the WAL file; a sync in flight still settles. */
  close(): Promise<void>;
}

const noop = () => undefined;

/** What a barrier does when a sync fails. */
export interface BarrierOptions {
  /**
   * Called once, with the error, when a sync failed. From then on every wait rejects: SQLite
   * counts those frames as committed and later commits build on them, and Linux reports a
   * writeback error to one fsync only, so nothing written after it can be promised any more. The
   * owner should stop (a restart lets SQLite recover the WAL up to the last good frame).
   */
  readonly onFailure?: (err: Error) => void;
}

/** True when db is a file in WAL mode (so a commit under synchronous=NORMAL leaves its frames unsynced). */
export function usesWal(db: Database.Database): boolean {
  return !db.memory && String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
}

/** A barrier over db's WAL; one that resolves at once for a database without a WAL file (memory, rollback journal). */
export function createBarrier(db: Database.Database, options: BarrierOptions = {}): Barrier {
  const wal = usesWal(db);
  // SQLite keeps the WAL beside the real file when the database path is a symlink.
  const real = wal ? realpathSync(db.name) : db.name;
  let file: Promise<FileHandle> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let failed: Error | undefined;
  let closed = false;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = err instanceof Error ? err : new Error(String(err));
    options.onFailure?.(failed);
  };

  let dirSynced = false;
  const syncFile = async () => {
    if (!file) {
      file = open(`${real}-wal`, "r");
      // A failed open (EMFILE in a storm) rejects this wait only: the next one opens again.
      file.catch(() => { file = undefined; });
    }
    const handle = await file;
    try {
      await handle.datasync();
      // Once: the directory entry of the WAL file, which SQLite created without syncing it.
      if (!dirSynced) {
        const dir = await open(dirname(real), "r");
        try { await dir.sync(); } finally { await dir.close(); }
        dirSynced = true;
      }
    } catch (err) {
      fail(err);
      throw err;
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
      if (failed) return Promise.reject(new Error(`the inventory cannot promise durability since a sync failed: ${failed.message}`, { cause: failed }));
      if (closed) return Promise.reject(new Error("the inventory is closed"));
      // Without a WAL, each commit synced (or, in memory, there is no disk).
      if (!wal) return Promise.resolve();
      if (!running) return start();
      // The running sync may have started before the caller's commit: wait for a fresh one.
      next ??= running.then(noop, noop).then(() => { next = undefined; return failed ? Promise.reject(failed) : start(); });
      return next;
    },
    async close() {
      closed = true;
      const f = file;
      file = undefined;
      await (await f?.catch(() => undefined))?.close();
    },
  };
}
