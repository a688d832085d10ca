import { describe, expect, it } from "vitest";
import { bufferSource } from "./_handlers.js";
import { netasciiSource, toNetascii } from "./_netascii.js";

describe("netascii", () => {
  it.each([
    ["a\nb", "a\r\nb"],
    ["a\rb", "a\r\0b"],
    ["\r\n", "\r\0\r\n"],
    ["plain", "plain"],
  ])("%j → %j", (input, output) => {
    expect(toNetascii(Buffer.from(input, "latin1")).toString("latin1")).toBe(output);
  });

  it("streams a converted file in sequential blocks and ends with a short one", async () => {
    const src = netasciiSource(bufferSource("x\n".repeat(10)));
    expect(src.size).toBeUndefined();
    const parts: Buffer[] = [];
    for (let off = 0; ; ) {
      const b = await src.read(off, 8);
      parts.push(b);
      off += b.length;
      if (b.length < 8) break;
    }
    expect(Buffer.concat(parts).toString("latin1")).toBe("x\r\n".repeat(10));
    await expect(src.read(0, 8)).rejects.toThrow(/sequential/);
  });
});
