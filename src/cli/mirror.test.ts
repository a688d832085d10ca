// `maekin mirror`: usage errors exit 2, bad input exits 1 with a message naming the fix, and the
// summary names every substitute and every missing package.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncSummary } from "../mirror/index.js";
import type { Io } from "./_command.js";
import { main } from "./main.js";
import { mirrorReporter, summaryLines } from "./mirror.js";

let dir = "";
const capture = (isTty = false) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, isTty };
  return { io, out, err };
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "maekin-mirror-cli-"));
  await writeFile(join(dir, "maekin.yaml"), (await import("node:fs")).readFileSync(join(import.meta.dirname, "..", "..", "..", "shared", "examples", "maekin.yaml"), "utf8"));
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("maekin mirror", () => {
  it.each([
    [[], /say "sync"/],
    [["pull"], /say "sync", not "pull"/],
    [["sync", "extra"], /say "sync"/],
    [["sync", "--bogus"], /Unknown option '--bogus'/],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const c = capture();
    expect(await main(["mirror", ...args], c.io)).toBe(2);
    expect(c.err.join("\n")).toMatch(message);
  });
  it.each([
    [["--upstream", "not a url"], /--upstream "not a url" is not a URL; give one like http:\/\/deb.debian.org\/debian/],
    [["--upstream", "ftp://x/debian"], /must be http:\/\/ or https:\/\//],
    [["-c", "missing.yaml"], /missing\.yaml/],
  ])("%j fails with a clear message (exit 1)", async (args, message) => {
    const c = capture();
    expect(await main(["mirror", "sync", "--state-dir", join(dir, "state"), ...args], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(message);
  });
});

describe("mirror sync output", () => {
  const summary: SyncSummary = {
    suite: "bookworm", kernelAbi: "6.1.0-50-amd64", debs: 3, udebs: 2, reused: 1, fetched: 4, bytes: 3 * 1048576,
    substitutes: [{ name: "partman-ext3", version: "112", kind: "next-release", why: "the next release's partman-ext3 119", file: "pool/maekin-substitutes/partman-ext3_119_all.udeb", sha256: "ab", stanza: new Map() }],
    missing: [
      { name: "partman-xfs", version: "68", kind: "udeb", reason: "404  Not Found", needed: false },
      { name: "grub-installer", version: "1.194", kind: "udeb", reason: "404; no substitute", needed: true },
    ],
    unknownRequests: [], fingerprint: "F".repeat(40), seconds: 12.4,
  };
  it("names each substitute and each missing package, needed ones loudly", () => {
    const lines = summaryLines(summary, "/m/debian");
    expect(lines[0]).toBe("mirror /m/debian: 3 debs, 2 udebs (1 substitutes), 3 MiB; 4 fetched, 1 reused; 12 s");
    expect(lines).toContain("substitute: partman-ext3 112 <- the next release's partman-ext3 119");
    expect(lines).toContain("missing (not needed by maekin's installs): udeb partman-xfs 68: 404  Not Found");
    expect(lines).toContain("MISSING (needed): udeb grub-installer 1.194: 404; no substitute");
  });
  it.each([
    [false, ["step ...", "  0/20 files", "  10/20 files", "  20/20 files", "  a log line"], ""],
    [true, ["step ...", "  a log line"], "\r"],
  ])("progress on a TTY %s: lines and bar", (tty, lines, barStart) => {
    const c = capture(tty);
    let written = "";
    const r = mirrorReporter(c.io, (t) => { written += t; });
    r({ kind: "step", message: "step" });
    for (const done of [0, 1, 10, 11, 20]) r({ kind: "progress", done, total: 20 });
    r({ kind: "log", message: "a log line" });
    expect(c.out).toEqual(lines);
    expect(written.startsWith(barStart)).toBe(true);
  });
});
