// The agent's conversation with the master: register (install token → agent key and TLS
// bundle), then heartbeat every interval; retries with capped exponential backoff and jitter.
import type { Checks } from "./_checks.js";
import type { Facts } from "./_facts.js";
import type { TlsBundle } from "./_tls.js";

/** The master's answer to a registration. */
export interface Registration extends TlsBundle {
  readonly name: string;
  readonly agentKey: string;
}

/** A reply the agent cannot use; `status` 401/403 means the credential is not (or no longer) valid. */
export class MasterError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "MasterError";
  }
}

/** Injected I/O so tests run the loop without waiting. */
export interface ClientDeps {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Delay before retry `attempt` (0-based): 1 s doubling to a 60 s cap, with +-20% jitter. */
export function backoffMs(attempt: number, random: () => number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}

async function post<T>(deps: ClientDeps, url: string, secret: string, body: unknown): Promise<T> {
  const res = await deps.fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (!res.ok) throw new MasterError(res.status, `${url}: ${res.status} ${text.trim().slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** Registers with the master, retrying until it answers (or `attempts` run out). */
export async function register(deps: ClientDeps, master: string, token: string, facts: Facts, attempts = Infinity): Promise<Registration> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await post<Registration>(deps, `${master}/api/v1/register`, token, { facts });
    } catch (err) {
      if (attempt + 1 >= attempts) throw err;
      const wait = backoffMs(attempt, deps.random);
      deps.log("registration failed; retrying", { error: (err as Error).message, retryInMs: wait });
      await deps.sleep(wait);
    }
  }
}

/** Sends one heartbeat; returns the state the master now holds for the node. */
export async function heartbeat(deps: ClientDeps, master: string, agentKey: string, facts: Facts, checks: Checks): Promise<{ state: string }> {
  return post<{ state: string }>(deps, `${master}/api/v1/heartbeat`, agentKey, { facts, checks });
}
