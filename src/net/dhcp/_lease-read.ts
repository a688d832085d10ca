// Reading the lease state: the snapshot and the journals beside it, replayed in order. Read only;
// the store (_lease-store.ts) calls it on start, tools and tests call it on a live state dir.
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { DhcpError } from "./errors.js";
import { parseJournal, replay, snapshotLeases } from "./_journal.js";
import type { Lease, LeaseChange } from "./_pool.js";

/** What recovery found on start. */
export interface Recovered {
  readonly leases: Lease[];
  /** Journal records replayed onto the snapshot. */
  readonly replayed: number;
  /** Journal files whose end was torn (a write cut short by a crash; never acknowledged). */
  readonly torn: number;
}

/** The name of journal n beside the snapshot at path. */
export const journalName = (path: string, n: number) => `${path}.journal.${n}`;

/** A lease-file error saying what failed and how to fix it. */
export function fail(what: string, err: unknown): DhcpError {
  return new DhcpError("lease-file", `${what}: ${(err as Error).message}; check the state dir is writable and not full`, { cause: err });
}

/** The journal numbers beside the snapshot at path, ascending. */
export async function journals(path: string): Promise<number[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.journal.`;
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? [] : Promise.reject(err)));
  return names.filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length))).sort((a, b) => a - b);
}

/** The snapshot at path (none: no leases, journal 0). */
async function readSnapshot(path: string): Promise<{ leases: Lease[]; journal: number }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { leases: [], journal: 0 };
    throw new DhcpError("lease-file", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (err) {
    throw new DhcpError("lease-file", `${path} is corrupt (${(err as Error).message}); move it aside to start with no leases`, { cause: err });
  }
  return snapshotLeases(path, parsed);
}

/** Snapshot plus journals as found on disk, read only: what `open` recovers, for tools and tests. */
export async function readLeases(path: string, now: number): Promise<Recovered & { journal: number; journals: number[] }> {
  const snap = await readSnapshot(path);
  const found = await journals(path).catch((err: unknown) => { throw fail(`cannot list the directory of ${path}`, err); });
  const changes: LeaseChange[] = [];
  let torn = 0;
  for (const n of found) {
    if (n < snap.journal) continue; // already in the snapshot: a compaction died before removing it
    const parsed = parseJournal(await readFile(journalName(path, n)).catch((err: unknown) => { throw fail(`cannot read ${journalName(path, n)}`, err); }));
    changes.push(...parsed.changes);
    if (parsed.tornBytes > 0) torn++;
  }
  return { leases: replay(snap.leases, changes, now), replayed: changes.length, torn, journal: snap.journal, journals: found };
}

