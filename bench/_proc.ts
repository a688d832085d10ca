// Server processes under measurement: start in a namespace, wait for the port, read CPU seconds
// and peak RSS of the whole process tree from /proc, stop. Linux only, like the namespaces.
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { TestNet } from "../test/harness/netns.js";

const TICKS = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK)), fixed at 100 on every mainstream arch

/** A server started for a benchmark, measured as its whole process tree. */
export interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  /** CPU seconds (user + system, with reaped children) of the tree so far. */
  cpu(): number;
  /** Peak RSS in MB, summed over the tree's live processes (VmHWM). */
  peakRssMb(): number;
  /** What the process printed (stdout and stderr), for errors. */
  output(): string;
  stop(): Promise<void>;
}

function statOf(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
    const n = (i: number) => Number(f[i - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return undefined;
  }
}

/** pid and all of its descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = statOf(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length && out.length < 10_000) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds used by a process tree. */
export function treeCpu(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + (statOf(pid)?.ticks ?? 0), 0) / TICKS;
}

/** Summed VmHWM of a process tree, in MB. */
export function treePeakRssMb(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      kb += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return kb / 1024;
}

/** Waits until something listens on proto/port inside ns (ss), at most timeoutMs. */
export async function waitPort(net: TestNet, ns: string, proto: "tcp" | "udp", port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await net.exec(ns, ["ss", "-Hln", proto === "tcp" ? "-t" : "-u", `sport = :${port}`]).catch(() => "");
    if (out.trim()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${proto}/${port} in ${ns} after ${timeoutMs} ms`);
}

/** Starts argv in ns (ip netns exec execs it, so the child's pid is the server's) and waits for readiness. */
export async function startServer(
  net: TestNet, ns: string, name: string, argv: readonly string[],
  ready: { proto: "tcp" | "udp"; port: number } | { line: RegExp }, cwd?: string,
): Promise<Server> {
  const child = net.spawn(ns, argv, cwd ? { cwd } : {});
  let out = "";
  const onData = (d: Buffer) => { if (out.length < 65_536) out += d.toString(); };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${out.slice(-2000)}`))));
  exited.catch(() => undefined);
  if ("line" in ready) {
    const re = ready.line;
    await Promise.race([exited, new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after 30 s: ${out.slice(-2000)}`)), 30_000);
      const check = () => { if (re.test(out)) { clearTimeout(timer); resolve(); } };
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
    })]);
  } else {
    await Promise.race([exited, waitPort(net, ns, ready.proto, ready.port)]);
  }
  const pid = child.pid!;
  return {
    name, child,
    cpu: () => treeCpu(pid),
    peakRssMb: () => treePeakRssMb(pid),
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Load and CPU steal seen over an interval, from /proc/loadavg and /proc/stat. */
export function machineSnapshot(): { load1: number; steal: number; total: number } {
  const load1 = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { load1, steal: cpu[7] ?? 0, total: cpu.reduce((a, b) => a + b, 0) };
}

/** Percent of CPU time stolen between two snapshots. */
export function stealPercent(a: ReturnType<typeof machineSnapshot>, b: ReturnType<typeof machineSnapshot>): number {
  const total = b.total - a.total;
  return total > 0 ? (100 * (b.steal - a.steal)) / total : 0;
}

/** A counter of a namespace's /proc/net/snmp or /proc/net/netstat ("Udp:", "TcpExt:", ...). */
async function netCounter(net: TestNet, ns: string, file: "snmp" | "netstat", group: string, name: string): Promise<number> {
  const lines = (await net.exec(ns, ["cat", `/proc/net/${file}`])).split("\n").filter((l) => l.startsWith(`${group}:`));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  const i = names?.indexOf(name) ?? -1;
  return i > 0 ? Number(values?.[i] ?? 0) : 0;
}

/** UDP datagrams the kernel dropped in ns because a socket's receive buffer was full (RcvbufErrors). */
export const udpRcvbufErrors = (net: TestNet, ns: string) => netCounter(net, ns, "snmp", "Udp", "RcvbufErrors");

/** Connections dropped because a listen queue was full (each costs the client a SYN retransmission, 1 s). */
export const tcpListenDrops = (net: TestNet, ns: string) => netCounter(net, ns, "netstat", "TcpExt", "ListenDrops");
