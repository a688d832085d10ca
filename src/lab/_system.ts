// Thin adapters between the lab and the host: `ip`, `qemu-img`, detached processes in a
// namespace, and /proc. Every command is an argv array, never a shell string.
import { execFile, spawn } from "node:child_process";
import { open, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { KVM_PROBE_OK, kvmProbeArgv, kvmProbeImage } from "./_qemu.js";

const execFileAsync = promisify(execFile);

/** Markers in /proc/PID/cmdline that tell the lab's master from a reused pid. */
export const MASTER_MARKER = "serve";
/** The same for the lab's QEMU nodes. */
export const QEMU_MARKER = "qemu-system-x86_64";

/** A lab step that failed: the command, its exit code and stderr, and what to do. */
export class LabError extends Error {
  readonly code: string;
  readonly command?: readonly string[];
  readonly exitCode?: number;
  readonly stderr?: string;
  constructor(message: string, options: { code?: string; command?: readonly string[]; exitCode?: number; stderr?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "LabError";
    this.code = options.code ?? "LAB_FAILED";
    if (options.command) this.command = options.command;
    if (options.exitCode !== undefined) this.exitCode = options.exitCode;
    if (options.stderr !== undefined) this.stderr = options.stderr;
  }
}

/** Runs argv and returns its stdout; throws LabError with stderr on a non-zero exit. */
export async function run(argv: readonly string[], timeoutMs = 30_000): Promise<string> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new LabError("empty command");
  try {
    const { stdout } = await execFileAsync(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { code?: number | string; stderr?: string };
    const missing = e.code === "ENOENT";
    const stderr = e.stderr?.trim() ?? "";
    throw new LabError(missing ? `${cmd} is not installed` : `${argv.join(" ")} failed: ${stderr || e.message}`, {
      code: missing ? "LAB_TOOL_MISSING" : "LAB_COMMAND_FAILED", command: argv, stderr,
      ...(typeof e.code === "number" ? { exitCode: e.code } : {}), cause: err,
    });
  }
}

/** The names of the network namespaces on this host. */
export async function listNamespaces(): Promise<string[]> {
  const text = await run(["ip", "-j", "netns", "list"]);
  return text.trim() ? (JSON.parse(text) as { name: string }[]).map((n) => n.name) : [];
}

/** Runs argv inside namespace ns. */
export const inNamespace = (ns: string, argv: readonly string[]): string[] => ["ip", "netns", "exec", ns, ...argv];

/** Pids of the processes whose network namespace is ns. */
export async function namespacePids(ns: string): Promise<number[]> {
  const text = await run(["ip", "netns", "pids", ns]).catch(() => "");
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/** Starts argv detached from us (it outlives the CLI) with stdout and stderr appended to logPath; returns its pid. */
export async function spawnDetached(argv: readonly string[], logPath: string): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new LabError("empty command");
  const log = await open(logPath, "a", 0o644);
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", log.fd, log.fd] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (err) => reject(new LabError(`cannot start ${cmd}: ${err.message}`, { command: argv, cause: err })));
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    return pid;
  } finally {
    await log.close();
  }
}

/** The command line of pid, or undefined when it is gone (a zombie has none either). */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return text ? text.split("\0").filter(Boolean) : undefined;
}

/** True when pid runs and its command line contains `marker` (a pid reused by something else is not ours). */
export async function isRunning(pid: number | undefined, marker: string): Promise<boolean> {
  if (!pid) return false;
  const argv = await commandLine(pid);
  return Boolean(argv?.some((a) => a.includes(marker)));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM, waits up to graceMs, then SIGKILL; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<"stopped" | "killed" | "gone"> {
  const signal = (sig: NodeJS.Signals) => { try { process.kill(pid, sig); return true; } catch { return false; } };
  if (!(await commandLine(pid)) || !signal("SIGTERM")) return "gone";
  for (const until = Date.now() + graceMs; Date.now() < until; await sleep(100)) if (!(await commandLine(pid))) return "stopped";
  signal("SIGKILL");
  for (const until = Date.now() + 5_000; Date.now() < until; await sleep(100)) if (!(await commandLine(pid))) break;
  return "killed";
}

/** True when /dev/kvm opens and a tiny guest actually runs under KVM within timeoutMs. */
export async function kvmWorks(workDir: string, timeoutMs = 8_000): Promise<boolean> {
  try {
    await (await open("/dev/kvm", "r+")).close();
  } catch {
    return false;
  }
  const image = join(workDir, ".kvm-probe.img");
  const serial = join(workDir, ".kvm-probe.serial");
  await writeFile(image, kvmProbeImage());
  await writeFile(serial, "");
  const [cmd, ...args] = kvmProbeArgv(image, serial);
  const child = spawn(cmd!, args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.once("error", () => resolve()); });
  try {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(100)) {
      if ((await readFile(serial, "utf8").catch(() => "")).includes(KVM_PROBE_OK)) return true;
      if (child.exitCode !== null) return false;
    }
    return false;
  } finally {
    child.kill("SIGKILL");
    await exited;
    await rm(image, { force: true });
    await rm(serial, { force: true });
  }
}

/** Waits until a line of a growing log file (from byte `from` on) matches, the process dies, or time runs out. */
export async function waitForLogLine(path: string, from: number, match: (line: string) => boolean, options: { timeoutMs: number; alive: () => Promise<boolean> }): Promise<"found" | "died" | "timeout"> {
  for (const until = Date.now() + options.timeoutMs; Date.now() < until; await sleep(200)) {
    const text = await readFile(path).then((b) => b.subarray(from).toString("utf8"), () => "");
    if (text.split("\n").some(match)) return "found";
    if (!(await options.alive())) return "died";
  }
  return "timeout";
}
