// Group commit: writes that arrive in the same turn of the event loop share one transaction, and
// one fsync makes all of them durable. Each write still runs in a savepoint of its own: one that
// throws is rolled back alone and rejects alone. Promises settle only once the batch is on disk,
// so a caller that answers 2xx answers for data that survives a crash or a power cut.
//
// Where the fsync happens: the batch commits with synchronous=NORMAL (in WAL mode: the frames are
// written, not synced), then the barrier (_barrier.ts) fdatasyncs the WAL on the thread pool
// before anyone is told. The connection's own setting is restored after each batch.
import type Database from "better-sqlite3";
import { createBarrier, usesWal, type Barrier } from "./_barrier.js";

/** Queues writes into shared transactions. */
export interface GroupCommit {
  /** Runs `write` in the next shared transaction; resolves with its result once that is durable. */
  run<T>(write: () => T): Promise<T>;
  /** Lets go of the WAL file; pending writes still settle. */
  close(): Promise<void>;
}

interface Job { write: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void }
type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * A GroupCommit over `db`; `schedule` decides when a batch runs (default: setImmediate, after
 * pending I/O callbacks); `barrier` makes a batch durable (default: one of its own over db).
 */
export function createGroupCommit(db: Database.Database, schedule: (flush: () => void) => void = (flush) => setImmediate(flush), barrier: Barrier = createBarrier(db)): GroupCommit {
  let queue: Job[] = [];
  const wal = usesWal(db);

  /** Runs the batch in one transaction; throws when the commit failed (nothing of it is stored). */
  function commit(jobs: readonly Job[]): Outcome[] {
    const outcomes: Outcome[] = [];
    const level = db.pragma("synchronous", { simple: true }) as number;
    if (wal) db.pragma("synchronous = NORMAL");
    try {
      db.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: db.transaction(job.write)() });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      })();
    } finally {
      if (wal) db.pragma(`synchronous = ${level}`);
    }
    return outcomes;
  }

  async function flush(): Promise<void> {
    const jobs = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = commit(jobs);
      await barrier.wait();
    } catch (err) {
      // Not stored, or stored but not known to be on disk: no one may be told it is done.
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.err);
    });
  }

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) schedule(() => void flush());
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      });
    },
    close: () => barrier.close(),
  };
}
