// `kill -9` of the master in the middle of 200 concurrent agent registrations: every
// registration that was answered 2xx survives the restart (registered, its agent key works),
// and every one that got no answer left no half-state: its retry with the same install token
// registers the node (what the agent does after a lost answer).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { healthyFacts } from "./fixtures/facts.js";
import { loopbackConfigText } from "./fixtures/loopback.js";

const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const COUNT = 200;
const KILL_AFTER = 60;

/** A TCP port and UDP ports the OS says are free now (other test files run beside this one). */
async function freePorts(): Promise<{ http: number; tftp: number }> {
  for (;;) {
    const tcp = createServer();
    const http = await new Promise<number>((resolve) => tcp.listen(0, "127.0.0.1", () => resolve((tcp.address() as { port: number }).port)));
    await new Promise((resolve) => tcp.close(resolve));
    // The loopback config puts syslog on http + 500 (UDP).
    if (http + 500 > 65535) continue;
    const udp = createSocket("udp4");
    const tftp = await new Promise<number>((resolve) => udp.bind(0, "127.0.0.1", () => resolve(udp.address().port)));
    udp.close();
    return { http, tftp };
  }
}

interface Outcome { status?: number; agentKey?: string; error?: string }

describe("kill -9 during 200 concurrent registrations", () => {
  const dir = mkdtempSync(join(tmpdir(), "maekin-regcrash-"));
  const stateDir = join(dir, "state");
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(config: string, base: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BIN, "serve", "-c", config, "--state-dir", stateDir], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let log = "";
    child.stderr!.on("data", (d: Buffer) => { log += d.toString(); });
    const end = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`maekin serve exited ${child.exitCode}: ${log}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return child;
      if (Date.now() > end) throw new Error(`maekin serve did not answer within 20 s: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("loses no acknowledged registration and leaves no half-registered node", async () => {
    const ports = await freePorts();
    const base = `http://127.0.0.1:${ports.http}`;
    const config = join(dir, "maekin.yaml");
    writeFileSync(config, loopbackConfigText(ports));
    const first = await serve(config, base);

    // 200 unknown machines; enroll.unknown: install gives each a node and an install token.
    const macs = Array.from({ length: COUNT }, (_, i) => `52:54:00:aa:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`);
    const tokens: string[] = [];
    for (let i = 0; i < COUNT; i += 25) {
      tokens.push(...(await Promise.all(macs.slice(i, i + 25).map(async (mac) => {
        const script = await (await fetch(`${base}/boot.ipxe?mac=${mac}`)).text();
        const token = /\/install\/([^/\s]+)\/preseed\.cfg/.exec(script)?.[1];
        if (!token) throw new Error(`no install token for ${mac}: ${script}`);
        return token;
      }))));
    }
    const facts = (i: number) => ({ ...healthyFacts(`10.88.${i >> 8}.${(i & 255) + 1}`), hostname: `m${i}` });
    const register = (i: number, signal?: AbortSignal) => fetch(`${base}/api/v1/register`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens[i]}`, "content-type": "application/json" },
      body: JSON.stringify({ facts: facts(i) }),
      ...(signal ? { signal } : {}),
    });

    // All at once; SIGKILL the moment the KILL_AFTER-th 2xx body has been read.
    const outcomes: Outcome[] = Array.from({ length: COUNT }, () => ({}));
    let answered = 0;
    const exited = new Promise((resolve) => first.once("exit", resolve));
    await Promise.all(tokens.map(async (_, i) => {
      try {
        const res = await register(i, AbortSignal.timeout(20_000));
        const body = await res.text();
        outcomes[i] = { status: res.status, ...(res.ok ? { agentKey: (JSON.parse(body) as { agentKey: string }).agentKey } : { error: body }) };
        if (res.ok && ++answered === KILL_AFTER) first.kill("SIGKILL");
      } catch (err) {
        outcomes[i] = { error: (err as Error).message };
      }
    }));
    await exited;
    const acked = outcomes.flatMap((o, i) => (o.agentKey ? [i] : []));
    const unanswered = outcomes.flatMap((o, i) => (o.status === undefined ? [i] : []));
    // Only 2xx or no answer at all: the master refused nothing before it died.
    expect(outcomes.filter((o) => o.status !== undefined && !o.agentKey)).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(unanswered.length, "the kill came after every registration finished; nothing was tested").toBeGreaterThan(0);

    await serve(config, base);
    const admin = readFileSync(join(stateDir, "admin.token"), "utf8").trim();
    const nodes = ((await (await fetch(`${base}/api/v1/nodes`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { nodes: { name: string; state: string; macs: string[] }[] }).nodes;
    const byMac = new Map(nodes.map((n) => [n.macs[0], n]));

    for (const i of acked) expect([macs[i], byMac.get(macs[i])?.state]).toEqual([macs[i], "registered"]);
    const beats = await Promise.all(acked.map(async (i) => {
      const res = await fetch(`${base}/api/v1/heartbeat`, {
        method: "POST", headers: { authorization: `Bearer ${outcomes[i]!.agentKey}`, "content-type": "application/json" }, body: JSON.stringify({ facts: facts(i) }),
      });
      return [macs[i], res.status, ((await res.json()) as { state?: string }).state];
    }));
    expect(beats.filter(([, status, state]) => status !== 200 || state !== "ready")).toEqual([]);

    // No half-state: a node that got no answer is as it was (booting) or fully registered (the
    // answer was lost after the commit), never in between; and it registers on retry with the
    // same install token, as its agent would, and the key from the retry works.
    const before = unanswered.map((i) => [macs[i], byMac.get(macs[i])?.state]);
    expect(before.filter(([, s]) => s !== "booting" && s !== "registered")).toEqual([]);
    const retries = await Promise.all(unanswered.map(async (i) => {
      const res = await register(i);
      if (!res.ok) return [macs[i], res.status, await res.text()];
      const { agentKey } = (await res.json()) as { agentKey: string };
      const beat = await fetch(`${base}/api/v1/heartbeat`, {
        method: "POST", headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" }, body: JSON.stringify({ facts: facts(i) }),
      });
      return [macs[i], res.status, beat.status];
    }));
    expect(retries.filter(([, registered, beat]) => registered !== 200 || beat !== 200)).toEqual([]);
  }, 80_000);
});
