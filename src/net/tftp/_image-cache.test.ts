import { describe, expect, it } from "vitest";
import { createImageCache } from "./_image-cache.js";
import { packetize, type PacketRun } from "./_packets.js";

const run = (size: number): PacketRun => packetize(Buffer.alloc(size), 1, 512, true);

describe("createImageCache", () => {
  it("loads once for concurrent and later requests of one key", async () => {
    const cache = createImageCache(1000);
    let loads = 0;
    const load = async () => { loads++; return run(100); };
    const [a, b] = await Promise.all([cache.get("k", 100, load), cache.get("k", 100, load)]);
    expect(a).toBe(b);
    await cache.get("k", 100, load);
    expect(loads).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 2, misses: 1, bytes: 100, entries: 1 });
  });

  it("refuses what exceeds a quarter of the limit, so one big file cannot flush the hot ones", () => {
    const cache = createImageCache(1000);
    expect(cache.get("big", 251, async () => run(251))).toBeUndefined();
    expect(cache.get("ok", 250, async () => run(250))).toBeDefined();
  });

  it("evicts the least recently used entries to stay within its limit", async () => {
    const cache = createImageCache(1000);
    for (const k of ["a", "b", "c", "d"]) await cache.get(k, 250, async () => run(250));
    await cache.get("a", 250, async () => run(250)); // a is now the most recent
    let reloaded = false;
    await cache.get("e", 250, async () => run(250)); // evicts b
    await cache.get("b", 250, async () => { reloaded = true; return run(250); });
    expect(reloaded).toBe(true);
    expect(cache.stats.bytes).toBeLessThanOrEqual(1000);
    let aReloaded = false;
    await cache.get("a", 250, async () => { aReloaded = true; return run(250); });
    expect(aReloaded).toBe(false);
  });

  it("forgets a failed load, so the next request tries again", async () => {
    const cache = createImageCache(1000);
    await expect(cache.get("k", 10, async () => { throw new Error("EIO"); })).rejects.toThrow("EIO");
    await new Promise((r) => setImmediate(r));
    expect(cache.stats).toMatchObject({ bytes: 0, entries: 0 });
    await expect(cache.get("k", 10, async () => run(10))).resolves.toBeDefined();
  });
});
