// `maekin serve` as an operator runs it: starts, answers, stops on SIGTERM with exit 0, and
// refuses to start with one line saying why and how to fix it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loopbackConfigText } from "./fixtures/loopback.js";

const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const dir = mkdtempSync(join(tmpdir(), "maekin-serve-"));
const base = 21000 + (process.pid % 18000);

function serve(config: string): { done: Promise<{ code: number | null; stderr: string }>; kill: (s: NodeJS.Signals) => void; stderr: () => string } {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  const child = spawn("node", [BIN, "serve", "-c", file, "--state-dir", join(dir, "state")], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  return { done, kill: (s) => child.kill(s), stderr: () => stderr };
}

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("timed out");
}

describe("maekin serve (needs `npm run build`)", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves until SIGTERM, then stops cleanly with exit 0 and JSON logs", async () => {
    const http = base;
    const run = serve(loopbackConfigText({ http, tftp: base + 1 }));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${http}/healthz`)).ok);
    run.kill("SIGTERM");
    const { code, stderr } = await run.done;
    expect(code).toBe(0);
    const lines = stderr.trim().split("\n").map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["maekin master is serving", "stopping", "stopped"]));
  });

  it("refuses a taken port with one line naming it and the fix", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base + 2, "0.0.0.0", resolve));
    try {
      const { code, stderr } = await serve(loopbackConfigText({ http: base + 2, tftp: base + 3 })).done;
      expect(code).toBe(1);
      expect(stderr.trim().split("\n").pop()).toMatch(new RegExp(`^maekin: HTTP port ${base + 2} is in use .*set master\\.http\\.port$`));
    } finally {
      blocker.close();
    }
  });

  it("refuses a missing interface and a missing address", async () => {
    const noIf = await serve(loopbackConfigText({ http: base + 4, tftp: base + 5 }).replace("interface: lo", "interface: nosuch0")).done;
    expect(noIf.code).toBe(1);
    expect(noIf.stderr).toMatch(/^maekin: interface nosuch0 \(master\.interface\) does not exist here; set it to one of: .*lo/m);
    const noAddr = await serve(loopbackConfigText({ http: base + 4, tftp: base + 5 }).replace("address: 127.0.0.1", "address: 127.0.0.9")).done;
    expect(noAddr.code).toBe(1);
    expect(noAddr.stderr).toMatch(/address 127\.0\.0\.9 \(master\.address\) is on no interface; add it: ip addr add 127\.0\.0\.9\/8 dev lo/);
  });

  it("refuses an invalid config with file:line:col", async () => {
    const { code, stderr } = await serve(loopbackConfigText({ http: base + 6 }).replace("os: rocky-9", "os: rocky-8")).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/\.yaml:\d+:\d+: profiles\.kvm-rocky9\.os: "rocky-8" is not allowed/);
  });
});
