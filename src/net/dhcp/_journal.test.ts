import { describe, expect, it } from "vitest";
import { encodeChange, parseJournal, replay } from "./_journal.js";
import type { Lease, LeaseChange } from "./_pool.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const key = (ls: Lease[]) => ls.map((l) => `${l.mac}=${l.ip}@${l.expiresAt}`).sort();

/** Random binds and frees over few MACs and addresses, so they collide often. */
function changes(r: () => number, n: number): LeaseChange[] {
  return Array.from({ length: n }, (_, t) => {
    const mac = `02:00:00:00:00:0${Math.floor(r() * 6)}`;
    const ip = `10.0.0.${Math.floor(r() * 5)}`;
    return r() < 0.7 ? { kind: "bind", lease: { mac, ip, expiresAt: 1000 + t, state: "bound", ...(r() < 0.3 ? { hostname: "h" } : {}) } } : { kind: "free", mac, ip };
  });
}

describe("lease journal", () => {
  it("decodes what it encodes", () => {
    const cs = changes(rng(1), 200);
    const buf = Buffer.from(cs.map(encodeChange).join(""));
    expect(parseJournal(buf)).toEqual({ changes: cs, tornBytes: 0, goodBytes: buf.length });
  });

  it.each([5, 20, 37])("cuts a journal torn at any byte back to its whole records (%i records)", (n) => {
    const lines = changes(rng(n), n).map(encodeChange);
    const full = Buffer.from(lines.join(""));
    for (let cut = 0; cut <= full.length; cut++) {
      const got = parseJournal(full.subarray(0, cut));
      const whole = lines.filter((_, i) => Buffer.byteLength(lines.slice(0, i + 1).join("")) <= cut).length;
      expect(got.changes).toHaveLength(whole);
      expect(got.goodBytes + got.tornBytes).toBe(cut);
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("replaying changes the snapshot already holds changes nothing (seed %i)", (seed) => {
    // Compaction snapshots the pool while its last changes still wait in the new journal.
    const r = rng(seed);
    const before = changes(r, 30);
    const overlap = changes(r, 15);
    const after = changes(r, 15);
    const snapshot = replay([], [...before, ...overlap], 0);
    expect(key(replay(snapshot, [...overlap, ...after], 0))).toEqual(key(replay([], [...before, ...overlap, ...after], 0)));
  });

  it("keeps one lease per MAC and per address, and drops expired ones", () => {
    const l = (mac: string, ip: string, expiresAt = 10): LeaseChange => ({ kind: "bind", lease: { mac, ip, expiresAt, state: "bound" } });
    const got = replay([], [l("a", "1"), l("b", "1"), l("a", "2"), l("c", "3", 5), { kind: "free", mac: "b", ip: "2" }], 6);
    expect(key(got)).toEqual(["a=2@10", "b=1@10"]);
  });
});
