// The node agent's main loop: register once (the agent key is kept under the root), install
// the libvirt TLS bundle, then send facts and checks every interval until stopped.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { evaluateChecks } from "./_checks.js";
import { heartbeat, MasterError, register, type ClientDeps } from "./_client.js";
import { collectFacts, type FactSources, type Runner } from "./_facts.js";
import { installTls } from "./_tls.js";
import { writeFileAtomic } from "../state/index.js";

/** Options of the agent (CLI flags and environment). */
export interface AgentOptions {
  readonly master: string;
  readonly token: string;
  /** Every file the agent writes goes under this root (default "/"). */
  readonly root: string;
  readonly bridge: string;
  readonly intervalMs: number;
  /** Stop after this many heartbeats (tests); default: run until the signal aborts. */
  readonly heartbeats?: number;
  readonly signal?: AbortSignal;
}

/** Where the agent keeps its key, relative to the root. */
export const AGENT_KEY_PATH = "etc/maekin/agent.key";

/** Runs argv without a shell. */
export const execRunner: Runner = async (argv) => (await promisify(execFile)(argv[0]!, argv.slice(1), { timeout: 30_000 })).stdout;

/** Real sources: /proc and /sys under root, virsh, the host's addresses. */
export function systemSources(root: string, run: Runner = execRunner): FactSources {
  return {
    root, run, hostname,
    addresses: () => Object.fromEntries(Object.entries(networkInterfaces()).map(([name, list]) => [name, (list ?? []).filter((a) => a.family === "IPv4").map((a) => a.address)])),
  };
}

/** Real client I/O. */
export const systemDeps: ClientDeps = {
  fetch: globalThis.fetch,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  log: (msg, fields) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`),
};

/** Runs the agent; resolves when `heartbeats` were sent or the signal aborts. */
export async function runAgent(options: AgentOptions, sources: FactSources = systemSources(options.root), baseDeps: ClientDeps = systemDeps): Promise<void> {
  // A stop signal cuts any wait short, so SIGTERM never waits out a heartbeat interval.
  const deps: ClientDeps = { ...baseDeps, sleep: (ms) => abortable(baseDeps.sleep(ms), options.signal) };
  const master = options.master.replace(/\/$/, "");
  const keyPath = join(options.root, AGENT_KEY_PATH);
  let sent = 0;
  while (!options.signal?.aborted) {
    let agentKey = await readFile(keyPath, "utf8").then((k) => k.trim(), () => "");
    if (!agentKey) {
      const registration = await register(deps, master, options.token, await collectFacts(sources, options.bridge));
      await installTls(options.root, registration, sources.run);
      await writeFileAtomic(keyPath, `${registration.agentKey}\n`, 0o600);
      agentKey = registration.agentKey;
      deps.log("registered", { node: registration.name });
    }
    for (let failures = 0; !options.signal?.aborted; ) {
      const facts = await collectFacts(sources, options.bridge);
      try {
        const { state } = await heartbeat(deps, master, agentKey, facts, evaluateChecks(facts));
        failures = 0;
        sent++;
        deps.log("heartbeat", { state });
        if (options.heartbeats !== undefined && sent >= options.heartbeats) return;
        await deps.sleep(options.intervalMs);
      } catch (err) {
        if (err instanceof MasterError && (err.status === 401 || err.status === 403)) {
          // The master no longer knows this key (node forgotten or reinstalled): register again.
          deps.log("agent key refused; registering again", { status: err.status });
          await rm(keyPath, { force: true });
          break;
        }
        deps.log("heartbeat failed", { error: (err as Error).message });
        await deps.sleep(Math.min(options.intervalMs, 1000 * 2 ** Math.min(failures++, 4)));
      }
    }
  }
}

function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
    void wait.then(resolve);
  });
}
