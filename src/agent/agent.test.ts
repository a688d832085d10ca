import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_KEY_PATH, backoffMs, collectFacts, evaluateChecks, firstFailure, runAgent, tlsListenerArgv, type ClientDeps, type Facts, type FactSources } from "./index.js";

/** A fake node: /proc, /sys and /dev under a temp root. */
function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "maekin-node-"));
  const put = (path: string, text: string) => { mkdirSync(join(root, path, ".."), { recursive: true }); writeFileSync(join(root, path), text); };
  put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu vmx sse\n\nprocessor\t: 1\nmodel name\t: Test CPU 9000\nflags\t\t: fpu vmx sse\n");
  put("proc/meminfo", "MemTotal:        8388608 kB\nMemFree:  1 kB\n");
  put("sys/block/vda/size", "83886080\n");
  put("sys/block/loop0/size", "100\n");
  put("sys/class/net/ens3/address", "52:54:00:00:00:01\n");
  put("sys/class/net/ens3/operstate", "up\n");
  put("sys/class/net/ens3/master/uevent", "DEVTYPE=bridge\nINTERFACE=br0\n");
  put("sys/class/net/br0/address", "52:54:00:00:00:01\n");
  put("sys/class/net/br0/operstate", "up\n");
  mkdirSync(join(root, "sys/class/net/br0/bridge"), { recursive: true });
  put("dev/kvm", "");
  return root;
}

const sources = (root: string, virsh = true, address: string | undefined = "10.77.0.11"): FactSources => ({
  root,
  hostname: () => "node01",
  addresses: (): Record<string, string[]> => (address ? { br0: [address] } : {}),
  run: async (argv) => {
    if (!virsh) throw new Error("failed to connect to the hypervisor");
    return argv.includes("version") ? "Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nRunning hypervisor: QEMU 7.2.0\n" : "vm1\nvm2\n\n";
  },
});

describe("facts and checks", () => {
  const root = fakeRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads CPU, memory, disks, NICs, KVM, libvirt and the bridge", async () => {
    const facts = await collectFacts(sources(root), "br0");
    expect(facts).toEqual({
      hostname: "node01",
      cpu: { model: "Test CPU 9000", count: 2, vmx: true },
      memoryMiB: 8192,
      disks: [{ name: "vda", sizeGiB: 40 }],
      nics: [{ name: "br0", mac: "52:54:00:00:00:01", up: true }, { name: "ens3", mac: "52:54:00:00:00:01", up: true, master: "br0" }],
      kvm: { present: true, usable: true },
      libvirt: { version: "9.0.0", domains: 2 },
      bridge: { name: "br0", exists: true, up: true, address: "10.77.0.11" },
    });
    expect(firstFailure(evaluateChecks(facts))).toBeUndefined();
  });

  it.each<[string, (f: Facts) => Facts, RegExp]>([
    ["no /dev/kvm", (f) => ({ ...f, kvm: { present: false, usable: false } }), /^kvm: \/dev\/kvm is missing/],
    ["/dev/kvm not usable", (f) => ({ ...f, kvm: { present: true, usable: false } }), /^kvm: .*not usable/],
    ["libvirt down", (f) => ({ ...f, libvirt: { error: "connection refused" } }), /^libvirt: libvirt does not answer: connection refused/],
    ["no bridge", (f) => ({ ...f, bridge: { name: "br0", exists: false, up: false } }), /^bridge: bridge br0 does not exist/],
    ["bridge down", (f) => ({ ...f, bridge: { name: "br0", exists: true, up: false } }), /^bridge: bridge br0 is down/],
    ["bridge without address", (f) => ({ ...f, bridge: { name: "br0", exists: true, up: true } }), /^bridge: bridge br0 has no IPv4 address/],
  ])("names the failing check: %s", async (_, change, failure) => {
    const facts = change(await collectFacts(sources(root), "br0"));
    expect(firstFailure(evaluateChecks(facts))).toMatch(failure);
  });
});

describe("kvm: optional", () => {
  const root = fakeRoot();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("lets a node without /dev/kvm pass, and only the kvm check", async () => {
    const facts = await collectFacts(sources(root), "br0");
    const noKvm = { ...facts, kvm: { present: false, usable: false } };
    const checks = evaluateChecks(noKvm, { kvm: "optional" });
    expect(checks.kvm).toEqual({ ok: true, detail: expect.stringMatching(/emulated \(TCG\)/) });
    expect(firstFailure(checks)).toBeUndefined();
    expect(firstFailure(evaluateChecks(noKvm, { kvm: "required" }))).toMatch(/^kvm: \/dev\/kvm is missing/);
    expect(firstFailure(evaluateChecks({ ...noKvm, bridge: { name: "br0", exists: false, up: false } }, { kvm: "optional" }))).toMatch(/^bridge:/);
  });
});

describe("backoff", () => {
  it.each([[0, 0.5, 1000], [1, 0.5, 2000], [5, 0.5, 32_000], [6, 0.5, 60_000], [40, 0.5, 60_000], [0, 0, 800], [0, 1, 1200]])(
    "attempt %i with random %f waits %i ms", (attempt, random, ms) => expect(backoffMs(attempt, () => random)).toBe(ms));

  it("enables the right libvirt TLS listener per distribution", () => {
    expect(tlsListenerArgv(true)).toEqual([["systemctl", "enable", "--now", "virtproxyd-tls.socket"]]);
    expect(tlsListenerArgv(false)[1]).toEqual(["systemctl", "enable", "--now", "libvirtd-tls.socket"]);
  });
});

describe("runAgent against a master", () => {
  const root = fakeRoot();
  const calls: { path?: string; auth?: string; body: { facts?: Facts; checks?: unknown } }[] = [];
  let refuseNextHeartbeat = false;
  let failRegistrations = 0;
  let registrations = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let text = "";
    req.on("data", (c: Buffer) => { text += c.toString(); });
    req.on("end", () => {
      calls.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(text || "{}") });
      if (req.url === "/api/v1/register") {
        if (failRegistrations-- > 0) return res.writeHead(503).end("starting");
        registrations++;
        return res.writeHead(200).end(JSON.stringify({ name: "node01", agentKey: `key-${registrations}`, caCert: "CA PEM", cert: "CERT PEM", key: "KEY PEM" }));
      }
      if (refuseNextHeartbeat) { refuseNextHeartbeat = false; return res.writeHead(401).end("unknown agent key"); }
      res.writeHead(200).end(JSON.stringify({ state: "ready" }));
    });
  });
  let master = "";
  const deps: ClientDeps = { fetch: globalThis.fetch, sleep: async () => {}, random: () => 0.5, log: () => {} };
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    master = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

  it("retries registration, installs the TLS bundle and key under --root, then heartbeats", async () => {
    failRegistrations = 2;
    await runAgent({ master, token: "install-token", root, bridge: "br0", intervalMs: 1, heartbeats: 2 }, sources(root), deps);
    expect(calls.map((c) => c.path)).toEqual(["/api/v1/register", "/api/v1/register", "/api/v1/register", "/api/v1/heartbeat", "/api/v1/heartbeat"]);
    expect(calls[0]!.auth).toBe("Bearer install-token");
    expect(calls[3]!.auth).toBe("Bearer key-1");
    expect(calls[3]!.body.facts?.hostname).toBe("node01");
    expect(calls[3]!.body.checks).toMatchObject({ kvm: { ok: true }, libvirt: { ok: true }, bridge: { ok: true } });
    expect(readFileSync(join(root, "etc/pki/CA/cacert.pem"), "utf8")).toBe("CA PEM");
    expect(readFileSync(join(root, "etc/pki/libvirt/private/serverkey.pem"), "utf8")).toBe("KEY PEM");
    expect(statSync(join(root, "etc/pki/libvirt/private/clientkey.pem")).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, AGENT_KEY_PATH)).mode & 0o777).toBe(0o600);
  });

  it("keeps its key across restarts, and registers again when the master refuses the key", async () => {
    calls.length = 0;
    refuseNextHeartbeat = true;
    await runAgent({ master, token: "install-token", root, bridge: "br0", intervalMs: 1, heartbeats: 1 }, sources(root), deps);
    expect(calls.map((c) => `${c.path} ${c.auth}`)).toEqual([
      "/api/v1/heartbeat Bearer key-1",
      "/api/v1/register Bearer install-token",
      "/api/v1/heartbeat Bearer key-2",
    ]);
    expect(readFileSync(join(root, AGENT_KEY_PATH), "utf8").trim()).toBe("key-2");
    expect(existsSync(join(root, "etc/pki/libvirt/servercert.pem"))).toBe(true);
  });
});
