// kill -9 of a process writing to the inventory loses nothing it acknowledged (DESIGN.md, "Rules").
// The writer is a separate process (test/fixtures/inventory-writer.ts through tsx), killed mid-run.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInventory } from "../src/inventory/index.js";

const WRITER = new URL("./fixtures/inventory-writer.ts", import.meta.url).pathname;
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "maekin-durable-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Runs the writer until it acknowledged at least `min` writes, then SIGKILLs it; returns the acks. */
function writeThenKill(path: string, min: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WRITER, path], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`writer too slow: ${out.length} bytes of acks; ${err}`)); }, 25_000);
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!killed && out.split("\n").length > min) {
        killed = true;
        // Mid-run: the writer is busy with the next write when the signal lands.
        child.kill("SIGKILL");
      }
    });
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") return reject(new Error(`writer exited by itself (${signal}): ${err}`));
      resolve(out.split("\n").filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4))));
    });
  });
}

describe("inventory durability", () => {
  it.each([1, 2, 3])("round %i: every acknowledged write survives kill -9", async (round) => {
    const path = join(dir, `round${round}.db`);
    const acks = await writeThenKill(path, 40 * round);
    expect(acks.length).toBeGreaterThanOrEqual(40 * round);
    expect(acks).toEqual(acks.map((_, i) => i));

    const check = new Database(path);
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    check.close();
    const inv = createInventory({ path });
    try {
      for (const i of acks) {
        const node = inv.getByName(`n${i}`);
        expect(node?.state, `write ${i} was acknowledged`).toBe("booting");
        expect(inv.events(node!.id).map((e) => e.type)).toEqual(["declared", "install-progress", "state"]);
      }
      // Only the write in flight at the kill may exist beyond the acks (with some of its three commits).
      const extra = inv.list().filter((n) => !acks.includes(Number(n.name.slice(1))));
      expect(extra.length).toBeLessThanOrEqual(1);
    } finally {
      inv.close();
    }
  });
});
