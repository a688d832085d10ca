// Pure address allocator: offers, bound leases, reservations and declined addresses, all with an
// injected clock. Memory is bounded: offers are short-lived and capped, oldest evicted first.

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
}

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
  /** Bound, unexpired leases: what persistence writes. */
  bound(): Lease[];
  /** Loads persisted leases (expired ones are skipped). */
  restore(leases: readonly Lease[]): void;
  /** Counts for stats and metrics. */
  counts(): { offered: number; bound: number; declined: number; size: number };
}

/** Dotted quad to an unsigned 32-bit number (NaN for garbage). */
export function ipToInt(ip: string): number {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return Number.NaN;
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}
/** Unsigned 32-bit number to a dotted quad. */
export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Creates a lease pool over [start, end]. */
export function createLeasePool(o: LeasePoolOptions): LeasePool {
  const start = ipToInt(o.start);
  const end = ipToInt(o.end);
  if (!(start <= end)) throw new RangeError(`pool ${o.start}-${o.end} is empty or malformed; start must not exceed end`);
  const offerTtl = o.offerTtlMs ?? 30_000;
  const maxOffers = o.maxOffers ?? 1024;
  const declineHold = o.declineHoldMs ?? 600_000;
  const excluded = new Set((o.exclude ?? []).map(ipToInt));
  const byIp = new Map<number, Lease>();
  const byMac = new Map<string, Lease>();
  const offers = new Map<string, Lease>(); // insertion order = age, for eviction
  let cursor = start;
  let lastSweep = -Infinity;

  const live = (l: Lease | undefined, now: number) => (l && l.expiresAt > now ? l : undefined);
  function drop(l: Lease): void {
    if (byIp.get(ipToInt(l.ip)) === l) byIp.delete(ipToInt(l.ip));
    if (byMac.get(l.mac) === l) byMac.delete(l.mac);
    if (offers.get(l.mac) === l) offers.delete(l.mac);
  }
  function put(l: Lease): Lease {
    const old = byMac.get(l.mac);
    if (old) drop(old);
    const holder = byIp.get(ipToInt(l.ip));
    if (holder) drop(holder); // a reservation evicts a dynamic holder
    byIp.set(ipToInt(l.ip), l);
    if (l.state !== "declined") byMac.set(l.mac, l);
    if (l.state === "offered") {
      offers.set(l.mac, l);
      while (offers.size > maxOffers) {
        const oldest = offers.values().next().value;
        if (oldest) drop(oldest);
      }
    }
    return l;
  }
  function sweep(now: number): void {
    if (now - lastSweep < 1000) return;
    lastSweep = now;
    for (const l of byIp.values()) if (l.expiresAt <= now) drop(l);
  }
  function free(n: number, mac: string, now: number): boolean {
    if (n < start || n > end || excluded.has(n) || o.isReserved?.(intToIp(n))) return false;
    const holder = live(byIp.get(n), now);
    return !holder || (holder.mac === mac && holder.state !== "declined");
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
      if (mine && free(ipToInt(mine.ip), mac, now)) return { ip: mine.state === "bound" ? mine.ip : put({ ...mine, expiresAt }).ip };
      const req = want.requestedIp ? ipToInt(want.requestedIp) : Number.NaN;
      if (!Number.isNaN(req) && free(req, mac, now)) return { ip: put({ mac, ip: intToIp(req), expiresAt, state: "offered" }).ip };
      const size = end - start + 1;
      for (let i = 0; i < size; i++) {
        const n = start + ((cursor - start + i) % size);
        if (free(n, mac, now)) {
          cursor = n === end ? start : n + 1;
          return { ip: put({ mac, ip: intToIp(n), expiresAt, state: "offered" }).ip };
        }
      }
      return { error: "exhausted" };
    },
    canBind(mac, ip, reservedIp) {
      if (reservedIp) return ip === reservedIp;
      const now = o.clock.now();
      return free(ipToInt(ip), mac, now);
    },
    bind(mac, ip, leaseSec, hostname) {
      return put({ mac, ip, expiresAt: o.clock.now() + leaseSec * 1000, state: "bound", ...(hostname ? { hostname } : {}) });
    },
    withdraw(mac) {
      const l = offers.get(mac);
      if (l) drop(l);
    },
    release(mac, ip) {
      const l = byIp.get(ipToInt(ip));
      if (!l || l.mac !== mac) return false;
      drop(l);
      return true;
    },
    decline(mac, ip) {
      const l = byIp.get(ipToInt(ip));
      if (l && l.mac !== mac) return; // a DECLINE cannot take another client's address away
      put({ mac: "", ip, expiresAt: o.clock.now() + declineHold, state: "declined" });
      const mine = byMac.get(mac);
      if (mine?.ip === ip) drop(mine);
    },
    leaseOf(mac) {
      return live(byMac.get(mac), o.clock.now());
    },
    inRange(ip) {
      const n = ipToInt(ip);
      return n >= start && n <= end;
    },
    bound() {
      const now = o.clock.now();
      return [...byMac.values()].filter((l) => l.state === "bound" && l.expiresAt > now);
    },
    restore(leases) {
      const now = o.clock.now();
      for (const l of leases) if (l.state === "bound" && l.expiresAt > now && !Number.isNaN(ipToInt(l.ip))) put(l);
    },
    counts() {
      const now = o.clock.now();
      sweep(now);
      let bound = 0, declined = 0;
      for (const l of byIp.values()) if (l.expiresAt > now) { if (l.state === "bound") bound++; else if (l.state === "declined") declined++; }
      return { offered: offers.size, bound, declined, size: end - start + 1 };
    },
  };
}
