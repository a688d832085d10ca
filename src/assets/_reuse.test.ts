// reuseFor: one lookup per key and window while it finds something; misses and errors are not kept.
import { describe, expect, it } from "vitest";
import { reuseFor } from "./_reuse.js";

describe("reuseFor", () => {
  it("shares a found value within the window and asks again after it", async () => {
    let calls = 0;
    const get = reuseFor(50, async (k) => `${k}${++calls}`);
    expect(await Promise.all([get("a"), get("a")])).toEqual(["a1", "a1"]);
    expect(await get("b")).toBe("b2");
    await new Promise((r) => setTimeout(r, 60));
    expect(await get("a")).toBe("a3");
  });

  it("never reuses a miss or an error", async () => {
    let calls = 0;
    const results: (string | undefined | Error)[] = [undefined, new Error("EMFILE"), "found"];
    const get = reuseFor(60_000, async () => {
      const r = results[calls++];
      if (r instanceof Error) throw r;
      return r;
    });
    expect(await get("k")).toBeUndefined();
    await expect(get("k")).rejects.toThrow("EMFILE");
    expect(await get("k")).toBe("found");
    expect(await get("k")).toBe("found");
    expect(calls).toBe(3);
  });
});
