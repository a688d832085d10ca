import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MachineFacts } from "../boot/pxe.js";
import { createInventory, type Inventory, type Logger } from "./index.js";
import { newSecret } from "./_tokens.js";

const MAC_A = "52:54:00:00:00:0a";
const MAC_B = "52:54:00:00:00:0b";
const UEFI: MachineFacts = { mac: MAC_A, arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003016", ipxe: false };

let dir: string;
let now: number;
let logged: string[];
let inv: Inventory;

const logger: Logger = {
  debug: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
  info: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
  error: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "maekin-inv-"));
  now = 1_700_000_000_000;
  logged = [];
  inv = createInventory({ path: join(dir, "inventory.db"), clock: { now: () => now }, logger });
});
afterEach(() => {
  inv.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A node walked through the normal life up to `ready`. */
function readyNode(name = "n1", mac = MAC_A) {
  const node = inv.ensureNode({ name, mac, ip: "10.0.0.11", profile: "deb" });
  for (const to of ["booting", "installing", "installed", "registered", "ready"] as const) inv.transition(node.id, to);
  return node;
}

describe("reinstall and forget", () => {
  it("reinstall sends a ready node back to booting with a fresh token and no agent key", () => {
    const node = readyNode();
    const oldToken = inv.issueInstallToken(node.id);
    inv.issueAgentKey(node.id);
    const { node: after, installToken } = inv.reinstall("n1");
    expect(after).toMatchObject({ state: "booting", hasAgentKey: false, hasInstallToken: true });
    expect(after.lastHeartbeat).toBeUndefined();
    expect(inv.verifyInstallToken(node.id, installToken)).toBe(true);
    expect(inv.verifyInstallToken(node.id, oldToken)).toBe(false);
    expect(inv.events(node.id).slice(-2).map((e) => e.type)).toEqual(["state", "reinstall"]);
    expect(inv.events(node.id).at(-2)?.data).toMatchObject({ from: "ready", to: "booting", admin: true });
  });

  it("reinstall and forget find a node by MAC too, and say what to do when nothing matches", () => {
    readyNode();
    expect(inv.reinstall(MAC_A.toUpperCase()).node.name).toBe("n1");
    expect(() => inv.forget("nobody")).toThrow(/maekin nodes list/);
  });

  it("forget removes the node, frees its MAC and secrets, and keeps its history", () => {
    const node = readyNode();
    const token = inv.issueInstallToken(node.id);
    const key = inv.issueAgentKey(node.id);
    expect(inv.forget("n1").name).toBe("n1");
    expect(inv.get(node.id)).toBeUndefined();
    expect(inv.getByToken(token)).toBeUndefined();
    expect(inv.getByAgentKey(key)).toBeUndefined();
    expect(inv.events(node.id).at(-1)).toMatchObject({ type: "forgotten", data: { name: "n1", macs: [MAC_A] } });
    const again = inv.upsertSeen(UEFI);
    expect(again.created).toBe(true);
    expect(again.node.id).not.toBe(node.id);
    expect(inv.events(again.node.id).map((e) => e.type)).toEqual(["discovered"]);
  });
});

describe("tokens and keys", () => {
  it.each([
    ["its own token", (own: string) => own, true],
    ["a wrong token", () => "A".repeat(43), false],
    ["an empty token", () => "", false],
    ["another node's token", (_own: string, other: string) => other, false],
  ])("install token: %s", (_label, pick, ok) => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const b = inv.ensureNode({ name: "b", mac: MAC_B });
    const own = inv.issueInstallToken(a.id);
    const other = inv.issueInstallToken(b.id);
    expect(inv.verifyInstallToken(a.id, pick(own, other))).toBe(ok);
    expect(inv.getByToken(pick(own, other))?.id === a.id).toBe(ok);
  });

  it.each([
    ["its own key", (own: string) => own, true],
    ["a wrong key", () => "B".repeat(43), false],
    ["another node's key", (_own: string, other: string) => other, false],
  ])("agent key: %s", (_label, pick, ok) => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const b = inv.ensureNode({ name: "b", mac: MAC_B });
    const own = inv.issueAgentKey(a.id);
    const other = inv.issueAgentKey(b.id);
    expect(inv.verifyAgentKey(a.id, pick(own, other))).toBe(ok);
    expect(inv.getByAgentKey(pick(own, other))?.id === a.id).toBe(ok);
  });

  it("rotates: a new token replaces the old one", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const first = inv.issueInstallToken(a.id);
    const second = inv.issueInstallToken(a.id);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^mk[A-Za-z0-9_-]{43}$/);
    expect(inv.verifyInstallToken(a.id, first)).toBe(false);
    expect(inv.verifyInstallToken(a.id, second)).toBe(true);
    expect(inv.verifyInstallToken(12345, second)).toBe(false);
  });

  it("revoking the install token ends it; the node keeps working with its agent key", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const token = inv.issueInstallToken(a.id);
    const key = inv.issueAgentKey(a.id);
    expect(inv.revokeInstallToken(a.id)).toMatchObject({ hasInstallToken: false, hasAgentKey: true });
    expect(inv.verifyInstallToken(a.id, token)).toBe(false);
    expect(inv.getByToken(token)).toBeUndefined();
    expect(inv.verifyAgentKey(a.id, key)).toBe(true);
    expect(inv.events(a.id).map((e) => e.type)).toEqual(["declared", "agent-key-issued", "install-token-revoked"]);
  });

  it("never stores, logs or records a plaintext secret", () => {
    const node = readyNode();
    const secrets = [inv.issueInstallToken(node.id), inv.issueAgentKey(node.id), inv.reinstall("n1").installToken];
    inv.close();
    const files = ["inventory.db", "inventory.db-wal"].map((f) => { try { return readFileSync(join(dir, f), "latin1"); } catch { return ""; } });
    inv = createInventory({ path: join(dir, "inventory.db"), clock: { now: () => now }, logger });
    const events = JSON.stringify(inv.eventsSince(0));
    for (const secret of secrets) {
      expect(files.join("")).not.toContain(secret);
      expect(logged.join("\n")).not.toContain(secret);
      expect(events).not.toContain(secret);
    }
    expect(JSON.stringify(inv.list())).not.toMatch(/hash/i);
  });
});

describe("in memory", () => {
  it("works the same at path :memory:, as a fake for other modules' tests", () => {
    const mem = createInventory({ path: ":memory:", clock: { now: () => now } });
    try {
      const node = mem.upsertSeen(UEFI).node;
      const token = mem.issueInstallToken(node.id);
      expect(mem.getByToken(token)?.name).toBe("mac-52540000000a");
      expect(mem.transition(node.id, "booting").changed).toBe(true);
    } finally {
      mem.close();
    }
  });
});

describe("heartbeats and staleness", () => {
  it("records facts and moves only stale registered/ready nodes to offline", () => {
    const fresh = readyNode("fresh", MAC_A);
    const stale = readyNode("stale", MAC_B);
    const silent = inv.ensureNode({ name: "silent", mac: "52:54:00:00:00:0c" });
    for (const to of ["booting", "installing", "installed", "registered"] as const) inv.transition(silent.id, to);
    const installing = inv.ensureNode({ name: "installing", mac: "52:54:00:00:00:0d" });
    inv.transition(installing.id, "booting");
    inv.transition(installing.id, "installing");
    inv.recordHeartbeat(stale.id, { kvm: true });
    now += 60_000;
    expect(inv.recordHeartbeat(fresh.id, { kvm: true, cpus: 8 })).toMatchObject({ lastHeartbeat: now, facts: { kvm: true, cpus: 8 } });
    now += 30_000;
    const moved = inv.markStale(now, 45_000);
    expect(moved.map((n) => [n.name, n.state])).toEqual([["silent", "offline"], ["stale", "offline"]]);
    expect(inv.events(stale.id).at(-1)?.message).toBe("ready -> offline: no heartbeat for 90s");
    expect(inv.get(fresh.id)?.state).toBe("ready");
    expect(inv.get(installing.id)?.state).toBe("installing");
    expect(inv.markStale(now, 45_000)).toEqual([]);
    inv.recordHeartbeat(stale.id, { kvm: true });
    expect(inv.transition(stale.id, "ready").node.state).toBe("ready");
  });

  it("refuses facts that are not an object", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    expect(() => inv.recordHeartbeat(a.id, "x" as never)).toThrow(/JSON object/);
  });

  it("records the certificate serial in the node and its timeline", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    expect(inv.setCertificateSerial(a.id, "0a1b").certSerial).toBe("0a1b");
    expect(inv.events(a.id).at(-1)?.type).toBe("certificate");
  });
});

describe("registration", () => {
  it("walks an installing node to registered with serial, facts and a working agent key", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    for (const to of ["booting", "installing"] as const) inv.transition(node.id, to);
    const { node: after, agentKey } = inv.register(node.id, { serial: "0a1b", facts: { hostname: "n1" } });
    expect(after).toMatchObject({ state: "registered", certSerial: "0a1b", hasAgentKey: true, facts: { hostname: "n1" } });
    expect(inv.getByAgentKey(agentKey)?.id).toBe(node.id);
    expect(inv.events(node.id).map((e) => e.type).slice(-4)).toEqual(["state", "certificate", "agent-key-issued", "state"]);
  });

  it("gives an enrolled node the address its certificate names, and never changes a declared one", () => {
    const enrolled = inv.ensureNode({ name: "node-525400000001", mac: MAC_A });
    expect(inv.register(enrolled.id, { serial: "01", facts: {}, ip: "10.0.0.150" }).node.ip).toBe("10.0.0.150");
    const declared = inv.ensureNode({ name: "n2", mac: MAC_B, ip: "10.0.0.12" });
    expect(inv.register(declared.id, { serial: "02", facts: {}, ip: "10.0.0.99" }).node.ip).toBe("10.0.0.12");
  });

  it("is one transaction: a failure half-way leaves the node exactly as it was (kill -9 mid-registration)", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    inv.transition(node.id, "booting");
    const before = { node: inv.get(node.id), events: inv.events(node.id) };
    let calls = 0;
    const failing = createInventory({ path: join(dir, "inventory.db"), clock: { now: () => { if (++calls > 4) throw new Error("crash"); return now; } } });
    try {
      expect(() => failing.register(node.id, { serial: "0a1b", facts: { hostname: "n1" } })).toThrow("crash");
    } finally {
      failing.close();
    }
    expect({ node: inv.get(node.id), events: inv.events(node.id) }).toEqual(before);
  });
});

describe("secrets on a command line", () => {
  it("never start with a dash, so `--token <secret>` always parses", () => {
    for (let i = 0; i < 2000; i++) expect(newSecret()).toMatch(/^mk[A-Za-z0-9_-]{43}$/);
  });
});
