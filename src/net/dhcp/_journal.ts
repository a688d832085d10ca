// The lease journal's records: one line of compact JSON per change to the bound leases, and the
// replay that folds them onto a snapshot. Pure: the store does the I/O.
//
//   ["b", mac, ip, expiresAt, hostname?]   bound (replaces mac's old lease and ip's old holder)
//   ["f", mac, ip]                         freed before expiry (RELEASE, DECLINE, eviction)
//
// Replaying a change twice in order is harmless (each one sets state, none adds to it), which
// lets compaction snapshot the pool while changes it already holds still wait in the journal.
import { DhcpError } from "./errors.js";
import type { Lease, LeaseChange } from "./_pool.js";

/** One journal line (with its newline) for a change. */
export function encodeChange(c: LeaseChange): string {
  if (c.kind === "free") return `${JSON.stringify(["f", c.mac, c.ip])}\n`;
  const l = c.lease;
  return `${JSON.stringify(l.hostname === undefined ? ["b", l.mac, l.ip, l.expiresAt] : ["b", l.mac, l.ip, l.expiresAt, l.hostname])}\n`;
}

/** What a journal file held: its changes, and how much of its end was torn (not a whole record). */
export interface ParsedJournal {
  readonly changes: LeaseChange[];
  /** Bytes after the last whole record: a write cut short by a crash, never acknowledged. */
  readonly tornBytes: number;
  /** Byte length of the whole records: where appending may resume. */
  readonly goodBytes: number;
}

function decodeLine(line: string): LeaseChange | undefined {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  if (!Array.isArray(v) || typeof v[1] !== "string" || typeof v[2] !== "string") return undefined;
  const [kind, mac, ip] = v as [unknown, string, string];
  if (kind === "f" && v.length === 3) return { kind: "free", mac, ip };
  if (kind !== "b" || typeof v[3] !== "number" || (v.length === 5 ? typeof v[4] !== "string" : v.length !== 4)) return undefined;
  const hostname = v[4] as string | undefined;
  return { kind: "bind", lease: { mac, ip, expiresAt: v[3], state: "bound", ...(hostname === undefined ? {} : { hostname }) } };
}

/**
 * Parses a journal. Records are appended one group commit at a time and each group is fsynced
 * before the next is written, so damage can only be the tail of the last, unacknowledged write:
 * everything from the first line that is not a whole record on is dropped and counted as torn.
 */
export function parseJournal(buf: Buffer): ParsedJournal {
  const changes: LeaseChange[] = [];
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    const change = decodeLine(buf.toString("utf8", at, nl));
    if (!change) break;
    changes.push(change);
    at = nl + 1;
  }
  return { changes, tornBytes: buf.length - at, goodBytes: at };
}

/** Folds changes onto leases, in order; drops what has expired by `now`. */
export function replay(leases: readonly Lease[], changes: readonly LeaseChange[], now: number): Lease[] {
  const byMac = new Map<string, Lease>();
  const byIp = new Map<string, Lease>();
  const forget = (l: Lease | undefined) => {
    if (!l) return;
    if (byMac.get(l.mac) === l) byMac.delete(l.mac);
    if (byIp.get(l.ip) === l) byIp.delete(l.ip);
  };
  const bind = (l: Lease) => {
    forget(byMac.get(l.mac));
    forget(byIp.get(l.ip));
    byMac.set(l.mac, l);
    byIp.set(l.ip, l);
  };
  for (const l of leases) bind(l);
  for (const c of changes) {
    if (c.kind === "bind") bind(c.lease);
    else if (byIp.get(c.ip)?.mac === c.mac) forget(byIp.get(c.ip));
  }
  return [...byMac.values()].filter((l) => l.expiresAt > now);
}

/** Checks a parsed snapshot's shape; the error says how to get going again. */
export function snapshotLeases(path: string, parsed: unknown): { leases: Lease[]; journal: number } {
  const p = parsed as { version?: unknown; leases?: unknown; journal?: unknown };
  if (p?.version !== 1 || !Array.isArray(p.leases)) {
    throw new DhcpError("lease-file", `${path} is corrupt (not a version 1 lease file); move it aside to start with no leases`);
  }
  const leases = (p.leases as Partial<Lease>[]).filter(
    (l): l is Lease => typeof l?.mac === "string" && typeof l.ip === "string" && typeof l.expiresAt === "number",
  );
  return { leases, journal: typeof p.journal === "number" && Number.isInteger(p.journal) && p.journal >= 0 ? p.journal : 0 };
}
