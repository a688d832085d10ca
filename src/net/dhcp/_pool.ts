// Pure address allocator: offers, bound leases, reservations and declined addresses, all with an
// injected clock. Memory is bounded: offers are short-lived and capped, oldest evicted first.
// Every operation is O(log n) in the number of leases: a bit set of taken addresses finds the next
// free one, an expiry heap finds what has expired; nothing walks all leases per request.
import { formatIpv4, parseIpv4 } from "../../model/ipv4.js";
import { createBitset } from "./_bitset.js";
import { createMinHeap } from "./_heap.js";

/** A lease as stored and persisted. `expiresAt` is epoch milliseconds. */
export interface Lease {
  readonly mac: string;
  readonly ip: string;
  readonly hostname?: string;
  readonly expiresAt: number;
  readonly state: "offered" | "bound" | "declined";
}

/** Milliseconds since the epoch; injected so tests control time. */
export interface Clock { now(): number }

/** Options of createLeasePool. */
export interface LeasePoolOptions {
  /** First and last dynamic address (inclusive). */
  readonly start: string;
  readonly end: string;
  /** Addresses never handed out dynamically (the server, the gateway). */
  readonly exclude?: readonly string[];
  /** True for addresses reserved for some MAC; they are never offered to others. */
  readonly isReserved?: (ip: string) => boolean;
  readonly clock: Clock;
  /** How long an offer holds an address (default 30 s). */
  readonly offerTtlMs?: number;
  /** At most this many outstanding offers (default 1024); the oldest is evicted first. */
  readonly maxOffers?: number;
  /** How long a DECLINEd address stays out of use (default 10 min). */
  readonly declineHoldMs?: number;
  /** Told of every change to the bound leases (not expiry, not restore): what the journal records. */
  readonly onChange?: (change: LeaseChange) => void;
}

/** A change to the set of bound leases: a binding (which replaces the MAC's and the address's
 * previous holders) or the end of one before its expiry (RELEASE, DECLINE, eviction). */
export type LeaseChange =
  | { readonly kind: "bind"; readonly lease: Lease }
  | { readonly kind: "free"; readonly mac: string; readonly ip: string };

/** Why no address could be offered. */
export type OfferFailure = "exhausted";

/** The allocator used by the DHCP server. */
export interface LeasePool {
  /** Picks an address for mac: its reservation, its current lease or offer, the requested one, or the next free. */
  offer(mac: string, want: { reservedIp?: string; requestedIp?: string }): { ip: string } | { error: OfferFailure };
  /** True when mac may bind ip now (its reservation, its own offer/lease, or a free pool address). */
  canBind(mac: string, ip: string, reservedIp?: string): boolean;
  /** Binds ip to mac for leaseSec seconds; the caller checked canBind. */
  bind(mac: string, ip: string, leaseSec: number, hostname?: string): Lease;
  /** Drops mac's offer (the client chose another server). */
  withdraw(mac: string): void;
  /** Frees ip if mac holds it; true when something changed. */
  release(mac: string, ip: string): boolean;
  /** Quarantines ip (the client found it in use). */
  decline(mac: string, ip: string): void;
  /** mac's live lease or offer. */
  leaseOf(mac: string): Lease | undefined;
  /** True when ip is inside the dynamic range. */
  inRange(ip: string): boolean;
  /** Bound, unexpired leases: what a snapshot writes (O(n); not for the request path). */
  bound(): Lease[];
  /** Loads persisted leases (expired ones are skipped). */
  restore(leases: readonly Lease[]): void;
  /** Counts for stats and metrics. */
  counts(): { offered: number; bound: number; declined: number; size: number };
}

const ipNumber = (ip: string): number => parseIpv4(ip) ?? Number.NaN;

/** Creates a lease pool over [start, end]. */
export function createLeasePool(o: LeasePoolOptions): LeasePool {
  const start = ipNumber(o.start);
  const end = ipNumber(o.end);
  if (!(start <= end)) throw new RangeError(`pool ${o.start}-${o.end} is empty or malformed; start must not exceed end`);
  const offerTtl = o.offerTtlMs ?? 30_000;
  const maxOffers = o.maxOffers ?? 1024;
  const declineHold = o.declineHoldMs ?? 600_000;
  const excluded = new Set((o.exclude ?? []).map(ipNumber));
  const byIp = new Map<number, Lease>();
  const byMac = new Map<string, Lease>();
  const offers = new Map<string, Lease>(); // insertion order = age, for eviction
  const taken = createBitset(end - start + 1); // bit (n - start): n is excluded or held
  const expiry = createMinHeap<Lease>((l) => l.expiresAt);
  const held = { bound: 0, declined: 0 };
  let cursor = start;
  let restoring = false;
  for (const n of excluded) if (n >= start && n <= end) taken.set(n - start);

  const live = (l: Lease | undefined, now: number) => (l && l.expiresAt > now ? l : undefined);
  const inRange = (n: number) => n >= start && n <= end;
  function tell(change: LeaseChange): void {
    if (!restoring) o.onChange?.(change);
  }
  /** Forgets l; `quiet` when the caller records the change itself (a binding) or none is due (expiry). */
  function drop(l: Lease, quiet: boolean): void {
    const n = ipNumber(l.ip);
    if (byIp.get(n) === l) {
      byIp.delete(n);
      if (l.state !== "offered") held[l.state]--;
      if (inRange(n) && !excluded.has(n)) taken.clear(n - start);
      if (l.state === "bound" && !quiet) tell({ kind: "free", mac: l.mac, ip: l.ip });
    }
    if (byMac.get(l.mac) === l) byMac.delete(l.mac);
    if (offers.get(l.mac) === l) offers.delete(l.mac);
  }
  function put(l: Lease): Lease {
    const binding = l.state === "bound";
    const n = ipNumber(l.ip);
    const old = byMac.get(l.mac);
    if (old) drop(old, binding);
    const holder = byIp.get(n);
    if (holder) drop(holder, binding); // a reservation evicts a dynamic holder
    byIp.set(n, l);
    if (inRange(n)) taken.set(n - start);
    if (l.state !== "offered") held[l.state]++;
    if (l.state !== "declined") byMac.set(l.mac, l);
    expiry.push(l);
    if (l.state === "offered") {
      offers.set(l.mac, l);
      while (offers.size > maxOffers) {
        const oldest = offers.values().next().value;
        if (oldest) drop(oldest, true);
      }
    }
    if (binding) tell({ kind: "bind", lease: l });
    return l;
  }
  function sweep(now: number): void {
    for (let top = expiry.peek(); top && top.expiresAt <= now; top = expiry.peek()) {
      expiry.pop();
      drop(top, true);
    }
    // Renewals and re-offers leave superseded entries behind; shed them before they outgrow the live ones.
    if (expiry.size > 2 * byIp.size + 1024) expiry.filter((l) => byIp.get(ipNumber(l.ip)) === l);
  }
  function free(n: number, mac: string, now: number): boolean {
    if (!inRange(n) || excluded.has(n) || o.isReserved?.(formatIpv4(n))) return false;
    const holder = live(byIp.get(n), now);
    return !holder || (holder.mac === mac && holder.state !== "declined");
  }
  /** The next address no one holds, from the cursor round to it again; undefined when there is none. */
  function nextFree(): number | undefined {
    const from = cursor - start;
    let wrapped = false;
    let i = taken.nextClear(from);
    for (;;) {
      if (i < 0 || (wrapped && i >= from)) {
        if (wrapped) return undefined;
        wrapped = true;
        i = taken.nextClear(0);
        continue;
      }
      // Reserved addresses are free in the bit set but never offered to others: skip them.
      if (!o.isReserved?.(formatIpv4(start + i))) return start + i;
      i = taken.nextClear(i + 1);
    }
  }

  return {
    offer(mac, want) {
      const now = o.clock.now();
      sweep(now);
      const expiresAt = now + offerTtl;
      const mine = live(byMac.get(mac), now);
      if (want.reservedIp) {
        if (mine?.ip === want.reservedIp && mine.state === "bound") return { ip: mine.ip };
        return { ip: put({ mac, ip: want.reservedIp, expiresAt, state: "offered" }).ip };
      }
      if (mine && free(ipNumber(mine.ip), mac, now)) return { ip: mine.state === "bound" ? mine.ip : put({ ...mine, expiresAt }).ip };
      const req = want.requestedIp ? ipNumber(want.requestedIp) : Number.NaN;
      if (!Number.isNaN(req) && free(req, mac, now)) return { ip: put({ mac, ip: formatIpv4(req), expiresAt, state: "offered" }).ip };
      const n = nextFree();
      if (n === undefined) return { error: "exhausted" };
      cursor = n === end ? start : n + 1;
      return { ip: put({ mac, ip: formatIpv4(n), expiresAt, state: "offered" }).ip };
    },
    canBind(mac, ip, reservedIp) {
      if (reservedIp) return ip === reservedIp;
      const now = o.clock.now();
      sweep(now);
      return free(ipNumber(ip), mac, now);
    },
    bind(mac, ip, leaseSec, hostname) {
      return put({ mac, ip, expiresAt: o.clock.now() + leaseSec * 1000, state: "bound", ...(hostname ? { hostname } : {}) });
    },
    withdraw(mac) {
      const l = offers.get(mac);
      if (l) drop(l, true);
    },
    release(mac, ip) {
      sweep(o.clock.now());
      const l = byIp.get(ipNumber(ip));
      if (!l || l.mac !== mac) return false;
      drop(l, false);
      return true;
    },
    decline(mac, ip) {
      sweep(o.clock.now());
      const l = byIp.get(ipNumber(ip));
      if (l && l.mac !== mac) return; // a DECLINE cannot take another client's address away
      put({ mac: "", ip, expiresAt: o.clock.now() + declineHold, state: "declined" });
      const mine = byMac.get(mac);
      if (mine?.ip === ip) drop(mine, false);
    },
    leaseOf(mac) {
      return live(byMac.get(mac), o.clock.now());
    },
    inRange(ip) {
      return inRange(ipNumber(ip));
    },
    bound() {
      const now = o.clock.now();
      return [...byMac.values()].filter((l) => l.state === "bound" && l.expiresAt > now);
    },
    restore(leases) {
      const now = o.clock.now();
      restoring = true;
      try {
        for (const l of leases) if (l.state === "bound" && l.expiresAt > now && !Number.isNaN(ipNumber(l.ip))) put(l);
      } finally {
        restoring = false;
      }
    },
    counts() {
      sweep(o.clock.now());
      return { offered: offers.size, bound: held.bound, declined: held.declined, size: end - start + 1 };
    },
  };
}
