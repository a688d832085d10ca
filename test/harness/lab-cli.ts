// Running the built `maekin` CLI the way a user does, and the process checks the lab tests use
// to prove `lab down` left nothing behind.
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

/** The built CLI. */
export const BIN = join(import.meta.dirname, "..", "..", "bin", "maekin.js");

/** Runs `maekin ...args`; never throws, returns the exit code and output. */
export async function maekin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 600_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
  }
}

/** Runs `maekin ...args` with its output going to ours as it comes (long work: `lab up`). */
export function maekinLive(args: string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => { child.kill("SIGTERM"); reject(new Error(`maekin ${args.join(" ")} took over ${timeoutMs / 1000} s`)); }, timeoutMs);
    child.once("error", (err) => { clearTimeout(timer); reject(err); });
    child.once("exit", (code) => { clearTimeout(timer); resolve(code ?? -1); });
  });
}

/** "built" when bin/maekin.js runs, else why not. */
export async function cliUnavailable(): Promise<string | undefined> {
  const ok = await new Promise<boolean>((resolve) => {
    spawn(process.execPath, [BIN, "--help"], { stdio: "ignore" }).once("exit", (code) => resolve(code === 0)).once("error", () => resolve(false));
  });
  return ok ? undefined : "bin/maekin.js does not run: `npm run build` first";
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `ip netns list` as text. */
export const namespaces = async () => (await promisify(execFile)("ip", ["netns", "list"])).stdout;

/** Running, not a zombie that init has yet to reap (lab processes outlive the CLI that started them). */
const processAlive = async (pid: number) => !/^\d+ \(.*\) Z/.test(await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "0 () Z"));

/** The pids of the list that still run. */
export const alive = async (pids: number[]) => (await Promise.all(pids.map(async (p) => ((await processAlive(p)) ? [p] : [])))).flat();
