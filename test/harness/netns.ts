// Network-namespace test harness: namespaces, veth pairs, bridges and taps that a test makes
// and always removes again. Every name carries a per-process prefix so parallel test files
// never collide; .ci/run deletes `mk*` namespaces left by a killed run before the tests start.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Why namespace tests cannot run here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (ip netns)";
  const probe = `mkprobe${process.pid}`;
  try {
    await run("ip", ["netns", "add", probe]);
    await run("ip", ["netns", "del", probe]);
    return undefined;
  } catch (err) {
    return `ip netns does not work here: ${(err as Error).message.split("\n")[0]}`;
  }
}

/** Runs argv (no shell) and returns stdout; throws with stderr on a non-zero exit. */
export async function sh(argv: readonly string[], timeoutMs = 30_000): Promise<string> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("sh: empty argv");
  try {
    const { stdout } = await run(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${argv.join(" ")} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** A namespace-backed test network; `close()` removes everything it made. */
export interface TestNet {
  readonly prefix: string;
  /** Makes a namespace with loopback up; returns its full name. */
  netns(short: string): Promise<string>;
  /** Joins two namespaces with a veth pair (both ends up); optional CIDR addresses. */
  veth(a: { ns: string; ifname: string; cidr?: string }, b: { ns: string; ifname: string; cidr?: string }): Promise<void>;
  /** Makes a bridge in ns, optionally addressed. */
  bridge(ns: string, name: string, cidr?: string): Promise<void>;
  /** Makes a tap device in ns, enslaved to a bridge (for QEMU `-netdev tap`). */
  tap(ns: string, name: string, bridge: string): Promise<void>;
  /** Runs argv inside ns and returns stdout. */
  exec(ns: string, argv: readonly string[], timeoutMs?: number): Promise<string>;
  /** Starts argv inside ns; the process is killed on close(). */
  spawn(ns: string, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills what it spawned and deletes its namespaces (their veths, bridges and taps go with them). */
  close(): Promise<void>;
}

let counter = 0;

/** Creates a test network whose names start with a short unique prefix. */
export function createTestNet(tag = "t"): TestNet {
  // Interface names are at most 15 bytes: keep the prefix short.
  const prefix = `mk${tag}${(process.pid % 10000).toString(36)}${(counter++).toString(36)}`;
  const namespaces: string[] = [];
  const children: ChildProcess[] = [];

  const exec = (ns: string, argv: readonly string[], timeoutMs?: number) => sh(["ip", "netns", "exec", ns, ...argv], timeoutMs);

  return {
    prefix,
    async netns(short) {
      const name = `${prefix}-${short}`;
      await sh(["ip", "netns", "add", name]);
      namespaces.push(name);
      await exec(name, ["ip", "link", "set", "lo", "up"]);
      return name;
    },
    async veth(a, b) {
      const tmpA = `${prefix}a${counter}`;
      const tmpB = `${prefix}b${counter++}`;
      await sh(["ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB]);
      for (const [tmp, end] of [[tmpA, a], [tmpB, b]] as const) {
        await sh(["ip", "link", "set", tmp, "netns", end.ns]);
        await exec(end.ns, ["ip", "link", "set", tmp, "name", end.ifname]);
        if (end.cidr) await exec(end.ns, ["ip", "addr", "add", end.cidr, "dev", end.ifname]);
        await exec(end.ns, ["ip", "link", "set", end.ifname, "up"]);
      }
    },
    async bridge(ns, name, cidr) {
      await exec(ns, ["ip", "link", "add", name, "type", "bridge", "forward_delay", "0"]);
      if (cidr) await exec(ns, ["ip", "addr", "add", cidr, "dev", name]);
      await exec(ns, ["ip", "link", "set", name, "up"]);
    },
    async tap(ns, name, bridge) {
      await exec(ns, ["ip", "tuntap", "add", "dev", name, "mode", "tap"]);
      await exec(ns, ["ip", "link", "set", name, "master", bridge]);
      await exec(ns, ["ip", "link", "set", name, "up"]);
    },
    exec,
    spawn(ns, argv, options = {}) {
      const child = spawn("ip", ["netns", "exec", ns, ...argv], { stdio: "pipe", ...options });
      children.push(child);
      return child;
    },
    async close() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          await new Promise((resolve) => child.once("exit", resolve));
        }
      }
      for (const ns of namespaces.reverse()) {
        // Kill anything still running inside (e.g. a daemon that forked away from us).
        const pids = await sh(["ip", "netns", "pids", ns]).catch(() => "");
        for (const pid of pids.split(/\s+/).filter(Boolean)) {
          try { process.kill(Number(pid), "SIGKILL"); } catch { /* already gone */ }
        }
        await sh(["ip", "netns", "del", ns]).catch(() => undefined);
      }
    },
  };
}
