import { describe, expect, it } from "vitest";
import { decode } from "./_codec.js";
import { blankRun, packetAt, packetize, runBytes, runEnd, runOver } from "./_packets.js";

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 255));
const dump = (run: ReturnType<typeof packetize>) =>
  run.packets.map((p) => {
    const d = decode(p);
    if (!d.ok || d.packet.op !== "DATA") throw new Error("not DATA");
    return `${d.packet.block}:${d.packet.data.length}`;
  });

describe("packetize", () => {
  it.each([
    { size: 0, first: 1, blk: 512, final: true, want: ["1:0"] },
    { size: 1000, first: 1, blk: 512, final: true, want: ["1:512", "2:488"] },
    { size: 1024, first: 1, blk: 512, final: true, want: ["1:512", "2:512", "3:0"] }, // whole blocks: empty last DATA
    { size: 1024, first: 1, blk: 512, final: false, want: ["1:512", "2:512"] }, // a middle chunk
    { size: 20, first: 65535, blk: 8, final: true, want: ["65535:8", "0:8", "1:4"] }, // wire numbers wrap
  ])("$size bytes from block $first at blksize $blk, final $final", ({ size, first, blk, final, want }) => {
    const run = packetize(bytes(size), first, blk, final);
    expect(dump(run)).toEqual(want);
    expect(run.final).toBe(final);
    expect(runEnd(run)).toBe(first + want.length);
  });

  it("ends the file at a short chunk even when not told it is final", () => {
    expect(packetize(bytes(700), 1, 512, false).final).toBe(true);
  });

  it("carries the bytes unchanged, in order", () => {
    const data = bytes(5000);
    const run = packetize(data, 1, 1468, true);
    expect(Buffer.concat(run.packets.map((p) => p.subarray(4)))).toEqual(data);
    expect(packetAt(run, 2)?.subarray(4)).toEqual(data.subarray(1468, 2936));
    expect(packetAt(run, 0)).toBeUndefined();
    expect(packetAt(run, 5)).toBeUndefined();
  });

  it.each([
    { size: 0, blk: 512 },
    { size: 1024, blk: 512 }, // ends with an empty DATA
    { size: 5000, blk: 1468 },
  ])("runOver(runBytes(run)) gives back the same packets ($size bytes, blksize $blk), from shared memory", ({ size, blk }) => {
    const run = packetize(bytes(size), 1, blk, true, true);
    expect(run.packets[0]!.buffer).toBeInstanceOf(SharedArrayBuffer);
    const back = runOver(runBytes(run), 1, blk, true);
    expect(dump(back)).toEqual(dump(run));
    expect(back.packets).toEqual(run.packets);
    expect(back.bytes).toBe(run.bytes);
  });

  it.each([
    { size: 0, first: 1, blk: 512, count: 1, final: true },
    { size: 1000, first: 1, blk: 512, count: 2, final: true },
    { size: 1024, first: 1, blk: 512, count: 3, final: true }, // whole blocks: empty last DATA
    { size: 1024, first: 9, blk: 512, count: 2, final: false }, // a middle chunk
    { size: 20, first: 65535, blk: 8, count: 3, final: true }, // wire numbers wrap
    { size: 700, first: 1, blk: 512, count: 4, final: false }, // a short read: the file ended early
  ])("blankRun filled with $size bytes equals packetize (from $first, blksize $blk)", ({ size, first, blk, count, final }) => {
    const data = bytes(size);
    const blank = blankRun(first, count, blk);
    expect(blank.slots.map((s) => s.length)).toEqual(Array<number>(count).fill(blk));
    let at = 0;
    for (const slot of blank.slots) at += data.copy(slot, 0, at); // what a scatter read does
    const run = blank.fill(size, final);
    const want = packetize(data, first, blk, final);
    expect(dump(run)).toEqual(dump(want));
    expect(run.packets).toEqual(want.packets);
    expect({ final: run.final, bytes: run.bytes }).toEqual({ final: want.final, bytes: want.bytes });
  });
});
