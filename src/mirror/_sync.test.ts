import { describe, expect, it } from "vitest";
import type { AptRoot } from "./_apt.js";
import { MirrorError } from "./_errors.js";
import { firstUsable } from "./_sync.js";

function root(update: () => Promise<void>): AptRoot & { updates: number } {
  const r = {
    updates: 0,
    async update() { r.updates++; await update(); },
    records: async () => [], simulate: async () => "", download: async () => [],
  };
  return r;
}
const refused = () => Promise.reject(new MirrorError("apt-get update failed: File has unexpected size (54284 != 53936). Mirror sync in progress?", { code: "MIRROR_UPSTREAM" }));

describe("firstUsable", () => {
  it("takes the next release when its index can be had, without touching the one after", async () => {
    const trixie = root(async () => undefined);
    const stable = root(async () => undefined);
    const lines: string[] = [];
    expect(await firstUsable([{ suite: "trixie", open: async () => trixie }, { suite: "stable", open: async () => stable }], (l) => lines.push(l))).toBe(trixie);
    expect([trixie.updates, stable.updates, lines]).toEqual([1, 0, []]);
  });

  it("falls back to the next name of the release while the next one's index is refused, and says why", async () => {
    const stable = root(async () => undefined);
    const lines: string[] = [];
    expect(await firstUsable([{ suite: "trixie", open: async () => root(refused) }, { suite: "stable", open: async () => stable }], (l) => lines.push(l))).toBe(stable);
    expect(lines).toEqual([expect.stringMatching(/^substitutes: trixie cannot be used: .*Mirror sync in progress/)]);
  });

  it("throws the last refusal when no release can be had, and does not swallow other errors", async () => {
    await expect(firstUsable([{ suite: "trixie", open: async () => root(refused) }, { suite: "stable", open: async () => root(refused) }], () => undefined)).rejects.toThrow(/unexpected size/);
    await expect(firstUsable([{ suite: "trixie", open: async () => root(() => Promise.reject(new TypeError("bug"))) }], () => undefined)).rejects.toThrow(TypeError);
  });
});
