import { describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4 } from "../../model/ipv4.js";
import { createLeasePool, type Lease, type LeaseChange } from "./_pool.js";

const T0 = 1_700_000_000_000;
function setup(start: string, end: string, over: { isReserved?: (ip: string) => boolean } = {}) {
  const clock = { t: T0, now() { return this.t; } };
  const changes: LeaseChange[] = [];
  const pool = createLeasePool({ start, end, clock, exclude: [start.replace(/\d+$/, "1")], onChange: (c) => changes.push(c), ...over });
  return { pool, clock, changes };
}
const mac = (i: number) => `02:00:${[i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;

describe("lease pool", () => {
  it("hands out addresses in order, skipping excluded, reserved and held ones, and wraps", () => {
    const { pool } = setup("10.0.0.1", "10.0.0.6", { isReserved: (ip) => ip === "10.0.0.3" });
    const got = [1, 2, 3, 4].map((i) => pool.offer(mac(i), {}));
    expect(got).toEqual([{ ip: "10.0.0.2" }, { ip: "10.0.0.4" }, { ip: "10.0.0.5" }, { ip: "10.0.0.6" }]);
    expect(pool.offer(mac(5), {})).toEqual({ error: "exhausted" });
    pool.withdraw(mac(2));
    expect(pool.offer(mac(5), {})).toEqual({ ip: "10.0.0.4" });
  });

  it("tells the journal of binds and early ends, not of offers, expiry or restore", () => {
    const { pool, clock, changes } = setup("10.0.0.1", "10.0.0.9");
    pool.restore([{ mac: mac(9), ip: "10.0.0.9", expiresAt: T0 + 5000, state: "bound" }]);
    const { ip } = pool.offer(mac(1), {}) as { ip: string };
    const lease = pool.bind(mac(1), ip, 60);
    pool.bind(mac(2), "10.0.0.5", 1);
    pool.release(mac(1), ip);
    clock.t += 10_000; // mac 2's and mac 9's leases expire
    pool.offer(mac(3), {});
    pool.bind(mac(4), "10.0.0.7", 60);
    pool.decline(mac(4), "10.0.0.7");
    expect(changes).toEqual([
      { kind: "bind", lease },
      { kind: "bind", lease: { mac: mac(2), ip: "10.0.0.5", expiresAt: T0 + 1000, state: "bound" } },
      { kind: "free", mac: mac(1), ip },
      { kind: "bind", lease: { mac: mac(4), ip: "10.0.0.7", expiresAt: T0 + 70_000, state: "bound" } },
      { kind: "free", mac: mac(4), ip: "10.0.0.7" },
    ]);
    expect(pool.counts()).toMatchObject({ bound: 0, declined: 1, offered: 1 });
  });

  it("finds the one free address of a 50k-lease pool without walking the leases", () => {
    // 50,001 addresses, 50,000 bound: every offer has to go round to the single hole behind the
    // cursor. A scan costs 50k checks per offer (seconds for 500 offers); the bit set does not.
    const { pool } = setup("10.1.0.0", formatIpv4(parseIpv4("10.1.0.0")! + 50_001));
    const leases: Lease[] = [];
    for (let i = 1; i <= 50_000; i++) leases.push({ mac: mac(i), ip: formatIpv4(parseIpv4("10.1.0.1")! + i), expiresAt: T0 + 3_600_000, state: "bound" });
    pool.restore(leases);
    expect(pool.counts().bound).toBe(50_000);
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) {
      const got = pool.offer(mac(1_000_000 + i), {});
      expect(got).toEqual({ ip: "10.1.0.0" });
      pool.withdraw(mac(1_000_000 + i));
    }
    expect(performance.now() - t0).toBeLessThan(300);
  });

  it("expires leases and quarantines through the heap, freeing their addresses", () => {
    const { pool, clock } = setup("10.0.0.1", "10.0.0.3");
    pool.bind(mac(1), "10.0.0.2", 10);
    pool.bind(mac(2), "10.0.0.3", 20);
    expect(pool.offer(mac(3), {})).toEqual({ error: "exhausted" });
    clock.t += 10_000;
    expect(pool.offer(mac(3), {})).toEqual({ ip: "10.0.0.2" });
    expect(pool.counts()).toMatchObject({ bound: 1, offered: 1 });
  });
});
