import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { decodeCpio, encodeCpio } from "./_cpio.js";

describe("cpio newc", () => {
  it.each([
    ["an empty file", [{ name: "empty", data: "" }]],
    ["name lengths around the 4-byte padding", ["a", "ab", "abc", "abcd", "abcde"].map((name) => ({ name, data: name.repeat(3) }))],
    ["a directory and a file in it", [{ name: "maekin" }, { name: "maekin/late.sh", data: "#!/bin/sh\n", mode: 0o755 }]],
    ["binary data", [{ name: "bin", data: new Uint8Array([0, 1, 2, 255, 254]) }]],
  ])("round-trips %s", (_title, entries) => {
    const archive = encodeCpio(entries);
    expect(archive.length % 4).toBe(0);
    const decoded = decodeCpio(archive);
    expect(decoded.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const [i, e] of entries.entries()) {
      expect(decoded[i]!.data).toEqual(Buffer.from(e.data ?? ""));
      expect(decoded[i]!.mode & 0o170000).toBe("data" in e ? 0o100000 : 0o040000);
    }
  });

  it("writes the header fields the kernel reads", () => {
    const archive = encodeCpio([{ name: "/preseed.cfg", data: "x\n", mode: 0o600, mtime: 1700000000 }]);
    const header = archive.toString("ascii", 0, 110);
    expect(header.slice(0, 6)).toBe("070701");
    expect(header.slice(14, 22)).toBe("00008180"); // regular file, 0600
    expect(header.slice(46, 54)).toBe((1700000000).toString(16).padStart(8, "0"));
    expect(header.slice(54, 62)).toBe("00000002");
    expect(archive.toString("ascii", 110, 121)).toBe("preseed.cfg"); // leading slash dropped
    expect(archive.includes("TRAILER!!!")).toBe(true);
  });

  it.each(["", "../etc/passwd", "a/../../b"])("refuses the member name %j", (name) => {
    expect(() => encodeCpio([{ name, data: "x" }])).toThrow(/bad member name/);
  });

  it("refuses what is not newc", () => {
    expect(() => decodeCpio(Buffer.from("070707".padEnd(120, "0")))).toThrow(/bad magic/);
    expect(() => decodeCpio(encodeCpio([{ name: "f", data: "abc" }]).subarray(0, 100))).toThrow(/truncated/);
  });

  it("is read by GNU cpio", async (ctx) => {
    const which = await promisify(execFile)("sh", ["-c", "command -v cpio"]).catch(() => undefined);
    if (!which) {
      if (process.env.CI) throw new Error("cpio is missing (apt-get install cpio)");
      ctx.skip();
    }
    const dir = await mkdtemp(join(tmpdir(), "maekin-cpio-"));
    try {
      await writeFile(join(dir, "a.cpio"), encodeCpio([{ name: "d" }, { name: "d/f.txt", data: "hello\n" }]));
      const { stdout } = await promisify(execFile)("cpio", ["-t", "-F", join(dir, "a.cpio")]);
      expect(stdout.trim().split("\n")).toEqual(["d", "d/f.txt"]);
      await promisify(execFile)("cpio", ["-i", "-d", "--no-absolute-filenames", "-F", "a.cpio"], { cwd: dir });
      expect(await readFile(join(dir, "d", "f.txt"), "utf8")).toBe("hello\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
