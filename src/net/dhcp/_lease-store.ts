// Lease persistence: a snapshot (`leases.json`, replaced atomically) plus an append-only journal
// (`leases.json.journal.<n>`) of the changes since. A REQUEST costs one appended line; the lines
// of every request waiting while a write is in flight go out together in the next write, and only
// once that write is on disk are their ACKs sent (durable before ACK). The journal is opened
// O_DSYNC, so a write returns only when its data and the file size are durable (what fdatasync
// after it would do): one thread-pool round trip per group commit instead of two, which on a busy
// two-core machine was a large part of the server's CPU and of the REQUEST -> ACK tail.
//
// Compaction keeps the journal short without stopping requests: it starts a new journal file,
// takes the pool's bound leases in the same event-loop turn, and writes them as the next snapshot
// a chunk at a time (naming the journal it continues from); then the older journals go. A crash
// at any point leaves a snapshot and the journals from the one it names on: recovery replays
// them in order (a torn last record is dropped and counted), writes a fresh snapshot and starts
// a new journal.
import { constants } from "node:fs";
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { syncDir } from "../../state/index.js";
import type { DhcpError } from "./errors.js";
import { encodeChange } from "./_journal.js";
import { fail, journalName, journals, readLeases, type Recovered } from "./_lease-read.js";
import type { Clock, Lease, LeaseChange } from "./_pool.js";

/** Durable storage of leases. */
export interface LeaseStore {
  /** Recovers the leases (snapshot + journals), then starts a fresh journal. Call once, first. */
  open(): Promise<Recovered>;
  /** Queues a change for the next group commit. */
  record(change: LeaseChange): void;
  /** Resolves once every change recorded before the call is on disk. */
  commit(): Promise<void>;
  /** Counters for tests and metrics. */
  stats(): { writes: number; records: number; compactions: number; torn: number; replayed: number };
  /** Waits for pending writes and any compaction, then closes the journal. */
  close(): Promise<void>;
}

/** Options of createLeaseStore. */
export interface LeaseStoreOptions {
  /** The snapshot; journals sit beside it. */
  readonly path: string;
  /** The pool's bound leases now (read when a compaction starts). */
  readonly snapshot: () => Lease[];
  readonly clock: Clock;
  /** Compact once the journal holds this many records, or as many as the last snapshot if more (default 16384). */
  readonly compactAfter?: number;
  /** Leases written per event-loop turn while compacting (default 2000). */
  readonly chunk?: number;
  /** Told when a compaction fails (requests keep going; the journal just grows). */
  readonly onError?: (err: DhcpError) => void;
}

/** Append-only and O_DSYNC: each write is durable (data and size) when it returns. */
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC;

/** Creates the lease store for `path`; nothing is touched until open(). */
export function createLeaseStore(o: LeaseStoreOptions): LeaseStore {
  const dir = dirname(o.path);
  const minRecords = o.compactAfter ?? 16_384;
  const chunk = o.chunk ?? 2000;
  const counts = { writes: 0, records: 0, compactions: 0, torn: 0, replayed: 0 };
  let gen = 0;
  let fh: FileHandle | undefined;
  let pending: string[] = [];
  let recorded = 0; // sequence number of the last recorded change
  let durable = 0; // ... and of the last one on disk
  let waiters: { upTo: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let draining = false;
  let starting = false; // a drain is due at the end of this event-loop turn
  const idle: (() => void)[] = []; // close() waiting for the writer to stop
  let compacting: Promise<void> | undefined;
  let inJournal = 0; // records in the current journal
  let lastSnapshot = 0; // leases in the last snapshot
  let rotateNow = false; // the journal is suspect after a failed write

  /** Writes leases as the snapshot continuing from journal `next`, yielding between chunks; then drops older journals. */
  async function writeSnapshot(leases: readonly Lease[], next: number): Promise<void> {
    const tmp = join(dir, `.${basename(o.path)}.${randomBytes(6).toString("hex")}.tmp`);
    const out = await open(tmp, "wx", 0o600);
    try {
      try {
        await out.write(`{"version":1,"journal":${next},"leases":[`);
        for (let i = 0; i < leases.length; i += chunk) {
          const part = leases.slice(i, i + chunk).map((l) => JSON.stringify(l)).join(",");
          await out.write(i === 0 ? part : `,${part}`);
        }
        await out.write("]}\n");
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, o.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dir);
    lastSnapshot = leases.length;
    counts.compactions++;
    for (const n of await journals(o.path)) if (n < next) await rm(journalName(o.path, n), { force: true });
  }

  async function openJournal(n: number): Promise<FileHandle> {
    const f = await open(journalName(o.path, n), JOURNAL_FLAGS, 0o600);
    await syncDir(dir); // the new name must survive a crash before any record in it is acknowledged
    return f;
  }

  /** Starts journal gen+1 and, unless one is running, a compaction of the pool as of this moment. */
  async function rotate(): Promise<void> {
    const next = gen + 1;
    const f = await openJournal(next);
    // From here to the switch below nothing yields: the snapshot holds every change recorded so
    // far, and every change not yet written goes to the new journal (replaying it again is harmless).
    const old = fh;
    fh = f;
    gen = next;
    inJournal = 0;
    rotateNow = false;
    void old?.close().catch(() => undefined);
    if (compacting) return;
    const leases = o.snapshot();
    compacting = writeSnapshot(leases, next)
      .catch((err: unknown) => o.onError?.(fail(`cannot compact leases into ${o.path}`, err)))
      .finally(() => { compacting = undefined; });
  }

  function settle(err?: unknown): void {
    const still: typeof waiters = [];
    for (const w of waiters) {
      if (w.upTo <= durable) w.resolve();
      else if (err) w.reject(err);
      else still.push(w);
    }
    waiters = still;
  }

  /** Starts the writer once the datagrams read in this turn of the event loop have all been handled
   * (setImmediate runs after the poll phase), so their records share one write: starting at the
   * first commit wrote that one record alone and queued the rest of the turn behind it. */
  function startSoon(): void {
    if (starting || draining) return;
    starting = true;
    setImmediate(() => {
      starting = false;
      void drain();
    });
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    let ok = false;
    try {
      ok = await writeAll();
    } finally {
      draining = false;
      for (const r of idle.splice(0)) r();
      // A commit can land after writeAll saw nothing pending (a microtask before this finally) or
      // after a failure settled the waiters: it would wait for the next commit. Go again: at once
      // after success, after a pause after a failure (a full disk must not spin the loop).
      if (pending.length > 0 && waiters.length > 0) {
        if (ok) void drain();
        else setTimeout(() => void drain(), 1000).unref();
      }
    }
  }

  /** Writes until nothing is pending (true), or stops at a failure (false). */
  async function writeAll(): Promise<boolean> {
    while (pending.length > 0) {
      if (rotateNow || (!compacting && inJournal >= Math.max(minRecords, lastSnapshot))) {
        try { await rotate(); } catch (err) {
          // Nothing is acknowledged; the records stay queued and the next commit tries again.
          settle(fail(`cannot start a new lease journal beside ${o.path}`, err));
          return false;
        }
      }
      // One write at a time, so records reach the file in order and only the last, unacknowledged
      // write can tear; whatever is recorded meanwhile waits and goes out in the next (group commit).
      const batch = pending;
      const upTo = recorded;
      pending = [];
      try {
        if (!fh) throw new Error("the lease store is not open");
        const text = batch.join("");
        const { bytesWritten } = await fh.write(text);
        if (bytesWritten !== Buffer.byteLength(text)) throw new Error(`short write (${bytesWritten} of ${Buffer.byteLength(text)} bytes)`);
      } catch (err) {
        // Not durable, maybe torn: these go again, first, into the next journal.
        pending = batch.concat(pending);
        rotateNow = true;
        settle(fail(`cannot write leases to ${journalName(o.path, gen)}`, err));
        return false;
      }
      counts.writes++;
      inJournal += batch.length;
      durable = upTo; // O_DSYNC: the write returned, so it is on disk, with everything before it
      settle();
    }
    return true;
  }

  return {
    async open() {
      const got = await readLeases(o.path, o.clock.now());
      counts.replayed = got.replayed;
      counts.torn = got.torn;
      gen = Math.max(got.journal, ...got.journals);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        if (got.journals.length > 0) {
          // Fold everything into one fresh snapshot, so the journal starts empty and clean.
          await writeSnapshot(got.leases, gen + 1);
          gen++;
        }
        fh = await openJournal(gen);
      } catch (err) {
        throw fail(`cannot write leases beside ${o.path}`, err);
      }
      const leases = got.leases;
      lastSnapshot = leases.length;
      return { leases, replayed: counts.replayed, torn: counts.torn };
    },
    record(change) {
      pending.push(encodeChange(change));
      recorded++;
      counts.records++;
    },
    commit() {
      if (durable >= recorded) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ upTo: recorded, resolve, reject });
        startSoon();
      });
    },
    stats: () => ({ ...counts }),
    async close() {
      if (draining || starting) await new Promise<void>((r) => idle.push(r));
      while (compacting) await compacting;
      await fh?.close();
      fh = undefined;
    },
  };
}
