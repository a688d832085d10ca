// The master's API on loopback: installer events, registration, heartbeats, admin actions,
// authentication, staleness, and a restart that keeps everything.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMaster, type Master } from "../src/server/_master.js";
import { healthyFacts } from "./fixtures/facts.js";
import { parseConfig } from "../src/config/index.js";
import { createCluster } from "../src/model/cluster.js";
import { loopbackCluster, loopbackConfigText } from "./fixtures/loopback.js";

const HTTP_PORT = 24000 + (process.pid % 15000);
const url = (path: string) => `http://127.0.0.1:${HTTP_PORT}${path}`;
const stateDir = mkdtempSync(join(tmpdir(), "maekin-api-"));
const run = promisify(execFile);

async function start(staleAfterMs = 60_000): Promise<Master> {
  return startMaster({
    cluster: loopbackCluster({ http: HTTP_PORT }), stateDir, skipPreflight: true, logger: pino({ level: "silent" }),
    tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1", staleAfterMs,
  });
}

async function post(path: string, token: string | undefined, body: unknown) {
  const res = await fetch(url(path), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

async function installToken(mac: string): Promise<string> {
  const script = await (await fetch(url(`/boot.ipxe?mac=${mac}`))).text();
  const token = /\/install\/([^/]+)\/(preseed|ks)\.cfg/.exec(script)?.[1];
  if (!token) throw new Error(`no token in ${script}`);
  return token;
}

describe("the API", () => {
  let master: Master;
  beforeAll(async () => { master = await start(); });
  afterAll(async () => { await master?.stop(); rmSync(stateDir, { recursive: true, force: true }); });
  const state = (name: string) => master.inventory.getByName(name)?.state;
  /** node01's install token, as its installer and then its agent hold it. */
  let node01Token = "";

  it("installer events move the node: install.started -> installing, install.done -> installed", async () => {
    const token = await installToken("52:54:00:00:00:01");
    node01Token = token;
    expect(state("node01")).toBe("booting");
    expect((await post("/api/v1/events", token, { type: "install.started" })).status).toBe(204);
    expect(state("node01")).toBe("installing");
    expect((await post("/api/v1/events", token, { type: "install.done" })).status).toBe(204);
    expect(state("node01")).toBe("installed");
    const types = master.inventory.events(master.inventory.getByName("node01")!.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["boot.script", "install.started", "install.done"]));
  });

  it("refuses missing (401) and wrong (403) credentials, and a token works only for its own node", async () => {
    expect((await post("/api/v1/events", undefined, { type: "install.started" })).status).toBe(401);
    expect((await post("/api/v1/events", "forged", { type: "install.started" })).status).toBe(403);
    const node02 = await installToken("52:54:00:00:00:02");
    await post("/api/v1/events", node02, { type: "install.failed", message: "disk on fire" });
    expect(state("node02")).toBe("failed");
    expect(master.inventory.getByName("node02")?.failure?.reason).toBe("disk on fire");
    expect(state("node01")).toBe("installed");
    expect((await fetch(url("/api/v1/nodes"), { headers: { authorization: `Bearer ${node02}` } })).status).toBe(403);
    expect((await fetch(url("/api/v1/nodes"))).status).toBe(401);
    expect((await post("/api/v1/heartbeat", node02, { facts: healthyFacts() })).status).toBe(403);
  });

  it("rejects bad bodies with 400 and a reason", async () => {
    const token = await installToken("52:54:00:00:00:03");
    const badJson = await post("/api/v1/events", token, "{nope");
    expect(badJson.status).toBe(400);
    const badType = await post("/api/v1/events", token, { type: "Install Started!" });
    expect(badType.status).toBe(400);
    expect(badType.text).toMatch(/type must be a short lower-case name/);
    const badFacts = await post("/api/v1/register", token, { facts: { hostname: "x" } });
    expect(badFacts.status).toBe(400);
    expect(badFacts.text).toMatch(/bad request body: facts\.kvm/);
  });

  it("registers: agent key, CA and a node certificate that chains to it; the install token is spent", async () => {
    expect(await (await fetch(url("/boot.ipxe?mac=52:54:00:00:00:01"))).text()).toMatch(/node01 is installed/);
    const token = node01Token;
    const reg = await post("/api/v1/register", token, { facts: healthyFacts() });
    expect(reg.status).toBe(200);
    const body = reg.json() as { name: string; agentKey: string; caCert: string; cert: string; key: string };
    expect(body.name).toBe("node01");
    expect(state("node01")).toBe("registered");
    const dir = mkdtempSync(join(tmpdir(), "maekin-cert-"));
    writeFileSync(join(dir, "ca.pem"), body.caCert);
    writeFileSync(join(dir, "cert.pem"), body.cert);
    const verified = await run("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), join(dir, "cert.pem")]);
    expect(verified.stdout).toMatch(/cert\.pem: OK/);
    const text = (await run("openssl", ["x509", "-in", join(dir, "cert.pem"), "-noout", "-text"])).stdout;
    expect(text).toMatch(/DNS:node01, DNS:node01\.cloud\.test, IP Address:127\.0\.0\.11/);
    rmSync(dir, { recursive: true, force: true });

    const hb = await post("/api/v1/heartbeat", body.agentKey, { facts: healthyFacts() });
    expect(hb.json()).toEqual({ state: "ready" });
    // The first heartbeat proves the agent holds its key: only now is the install token spent.
    expect((await post("/api/v1/register", token, { facts: healthyFacts() })).status).toBe(403);
    const sick = await post("/api/v1/heartbeat", body.agentKey, { facts: { ...healthyFacts(), kvm: { present: false, usable: false } } });
    expect(sick.json()).toMatchObject({ state: "registered", failing: expect.stringMatching(/^kvm: \/dev\/kvm is missing/) });
    expect((await post("/api/v1/heartbeat", body.agentKey, { facts: healthyFacts() })).json()).toEqual({ state: "ready" });
  });

  it("a registration whose answer was lost is retried with the same install token until the first heartbeat", async () => {
    const token = await installToken("52:54:00:00:00:03");
    const lost = await post("/api/v1/register", token, { facts: healthyFacts("10.77.0.13") });
    expect(lost.status).toBe(200);
    expect(state("node03")).toBe("registered");
    // The agent never saw that answer (connection cut, agent restarted): it registers again.
    const retry = await post("/api/v1/register", token, { facts: healthyFacts("10.77.0.13") });
    expect(retry.status).toBe(200);
    expect(state("node03")).toBe("registered");
    const key = (retry.json() as { agentKey: string }).agentKey;
    expect((await post("/api/v1/heartbeat", (lost.json() as { agentKey: string }).agentKey, { facts: healthyFacts() })).status).toBe(403);
    expect((await post("/api/v1/heartbeat", key, { facts: healthyFacts() })).json()).toEqual({ state: "ready" });
    expect((await post("/api/v1/register", token, { facts: healthyFacts() })).status).toBe(403);
    expect(master.inventory.getByName("node03")?.hasInstallToken).toBe(false);
  });

  it("maekin nodes list/show/reinstall/forget talk to the master", async () => {
    const cli = (...args: string[]) => run("node", [join(import.meta.dirname, "..", "bin", "maekin.js"), "nodes", ...args, "--master", url(""), "--state-dir", stateDir]);
    const list = (await cli("list")).stdout;
    expect(list).toMatch(/^NAME +STATE +MAC/);
    expect(list).toMatch(/^node01 +ready +52:54:00:00:00:01 +127\.0\.0\.11 +kvm-debian12/m);
    expect(list).toMatch(/^node02 +failed .*disk on fire$/m);
    const show = (await cli("show", "node01")).stdout;
    expect(show).toMatch(/install\.started/);
    expect((await cli("reinstall", "node01")).stdout).toMatch(/node01: will install again/);
    expect(state("node01")).toBe("booting");
    expect((await fetch(url("/boot.ipxe?mac=52:54:00:00:00:01")).then((r) => r.text()))).toMatch(/kernel /);
    await cli("forget", "node02");
    expect(master.inventory.getByName("node02")).toBeUndefined();
    await expect(cli("show", "node02")).rejects.toMatchObject({ stderr: expect.stringMatching(/404 no node node02/) });
  });

  it("keeps every node, lease and event across a restart", async () => {
    const before = { nodes: master.inventory.list(), events: master.inventory.eventsSince(0) };
    await master.stop();
    master = await start();
    const after = master.inventory.list();
    const names = new Set(before.nodes.map((n) => n.name));
    expect(after.filter((n) => names.has(n.name))).toEqual(before.nodes);
    // node02 was forgotten, but maekin.yaml still declares it: it is back, as a fresh record.
    expect(after.filter((n) => !names.has(n.name)).map((n) => [n.name, n.state])).toEqual([["node02", "discovered"]]);
    expect(master.inventory.eventsSince(0).slice(0, before.events.length)).toEqual(before.events);
  });
});

/** Registers the node with this MAC on the master at base; returns a heartbeat function. */
async function registered(base: string, mac: string): Promise<(facts: ReturnType<typeof healthyFacts>) => Promise<{ state: string; failing?: string }>> {
  const script = await (await fetch(`${base}/boot.ipxe?mac=${mac}`)).text();
  const token = /\/install\/([^/]+)\/(preseed|ks)\.cfg/.exec(script)![1]!;
  const reg = await fetch(`${base}/api/v1/register`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ facts: healthyFacts() }) });
  const { agentKey } = (await reg.json()) as { agentKey: string };
  return async (facts) => {
    const res = await fetch(`${base}/api/v1/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" }, body: JSON.stringify({ facts }) });
    return (await res.json()) as { state: string; failing?: string };
  };
}

describe("staleness", () => {
  it("marks a node offline after missed heartbeats, and ready again when they return", async () => {
    const dir = mkdtempSync(join(tmpdir(), "maekin-stale-"));
    const master = await startMaster({
      cluster: loopbackCluster({ http: HTTP_PORT + 1 }), stateDir: dir, skipPreflight: true, logger: pino({ level: "silent" }),
      tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1", staleAfterMs: 300,
    });
    try {
      const heartbeat = await registered(`http://127.0.0.1:${HTTP_PORT + 1}`, "52:54:00:00:00:01");
      const beat = () => heartbeat(healthyFacts());
      await beat();
      expect(master.inventory.getByName("node01")?.state).toBe("ready");
      const end = Date.now() + 5000;
      while (master.inventory.getByName("node01")?.state !== "offline" && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(master.inventory.getByName("node01")?.state).toBe("offline");
      expect((await beat()).state).toBe("ready");
    } finally {
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a profile with kvm: optional", () => {
  it("makes a node without /dev/kvm ready; the profile with kvm required keeps its node registered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "maekin-kvm-"));
    const text = loopbackConfigText({ http: HTTP_PORT + 2 }).replace("os: debian-12\n", "os: debian-12\n    kvm: optional\n");
    const { config, issues } = parseConfig(text, "kvm-optional.yaml");
    expect(issues).toEqual([]);
    const master = await startMaster({
      cluster: createCluster(config!), stateDir: dir, skipPreflight: true, logger: pino({ level: "silent" }),
      tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1",
    });
    try {
      const noKvm = { ...healthyFacts(), kvm: { present: false, usable: false } };
      const debian = await registered(`http://127.0.0.1:${HTTP_PORT + 2}`, "52:54:00:00:00:01");
      expect(await debian(noKvm)).toEqual({ state: "ready" });
      const rocky = await registered(`http://127.0.0.1:${HTTP_PORT + 2}`, "52:54:00:00:00:03");
      expect(await rocky(noKvm)).toEqual({ state: "registered", failing: expect.stringMatching(/^kvm: \/dev\/kvm is missing/) });
    } finally {
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
