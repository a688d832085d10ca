import { describe, expect, it } from "vitest";
import { onAck, rewind, sendable, sent, startWindow, wireBlock, type WindowState } from "./_window.js";

const sendN = (s: WindowState, n: number) => {
  for (let i = 0; i < n; i++) s = sent(s);
  return s;
};

describe("sliding window", () => {
  it("sends nothing but the OACK until ACK 0", () => {
    let s = startWindow(16, true);
    expect(sendable(s, 100)).toBe(1);
    s = sent(s);
    expect(sendable(s, 100)).toBe(0);
    const e = onAck(s, 0);
    expect(e.kind).toBe("advanced");
    if (e.kind === "advanced") expect(sendable(e.state, 100)).toBe(16);
  });

  it("without an OACK starts at block 1 and ignores ACK 0", () => {
    const s = sent(startWindow(1, false));
    expect(onAck(s, 0).kind).toBe("ignored");
    expect(onAck(s, 1)).toMatchObject({ kind: "advanced", acked: 1 });
  });

  it("ignores duplicate and old ACKs (no Sorcerer's Apprentice)", () => {
    let s = sendN(startWindow(4, false), 4); // blocks 1..4 out
    const e = onAck(s, 4);
    if (e.kind !== "advanced") throw new Error("ACK 4 should advance");
    s = sendN(e.state, 4); // 5..8 out
    expect(onAck(s, 4).kind).toBe("ignored");
    expect(onAck(s, 2).kind).toBe("ignored");
    expect(onAck(s, 9).kind).toBe("ignored"); // not yet sent
  });

  it("a partial ACK moves the base and resends from the block after it", () => {
    const s = sendN(startWindow(8, false), 8);
    const e = onAck(s, 5);
    expect(e).toMatchObject({ kind: "advanced", acked: 5, state: { base: 6, next: 6 } });
    if (e.kind === "advanced") expect(sendable(e.state, 100)).toBe(8);
  });

  it("stops at the last block", () => {
    expect(sendable(startWindow(16, false), 3)).toBe(3);
  });

  it("rewinds to the base after a timeout", () => {
    const s = rewind(sendN(startWindow(4, false), 4));
    expect(s.next).toBe(1);
    expect(sendable(s, 100)).toBe(4);
  });

  it("wraps block numbers: 65535, then 0, then 1, and maps ACKs across the wrap", () => {
    expect([65535, 65536, 65537].map(wireBlock)).toEqual([65535, 0, 1]);
    let s: WindowState = { base: 65534, next: 65534, highest: 65533, windowsize: 4 };
    s = sendN(s, 4); // 65534..65537 on the wire as 65534, 65535, 0, 1
    expect(onAck(s, 0)).toMatchObject({ kind: "advanced", acked: 65536 });
    expect(onAck(s, 1)).toMatchObject({ kind: "advanced", acked: 65537 });
    expect(onAck(s, 65533).kind).toBe("ignored");
  });

  it("a 65535-block window still maps every ACK uniquely", () => {
    const s = sendN(startWindow(65535, false), 65535);
    expect(onAck(s, 65535)).toMatchObject({ kind: "advanced", acked: 65535 });
    expect(onAck(s, 0).kind).toBe("ignored");
  });
});
