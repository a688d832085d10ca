import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MachineFacts } from "../boot/pxe.js";
import { createInventory, type Inventory, type Logger } from "./index.js";

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

describe("DHCP sightings", () => {
  it("creates a discovered node on first sight, with its firmware", () => {
    const { node, created } = inv.upsertSeen({ ...UEFI, mac: "52-54-00-00-00-0A" });
    expect(created).toBe(true);
    expect(node).toMatchObject({ name: "mac-52540000000a", macs: [MAC_A], state: "discovered", source: "dhcp", stateSince: now });
    expect(node.firmware).toEqual({ mode: "uefi", arch: 7, ipxe: false, httpBoot: false, vendorClass: UEFI.vendorClass });
    expect(inv.events(node.id).map((e) => e.type)).toEqual(["discovered"]);
  });

  it("refreshes the firmware on later sightings and writes nothing when it is unchanged", () => {
    const first = inv.upsertSeen(UEFI).node;
    now += 1000;
    const again = inv.upsertSeen(UEFI);
    expect(again.created).toBe(false);
    expect(again.node.updatedAt).toBe(first.updatedAt);
    now += 1000;
    const viaIpxe = inv.upsertSeen({ mac: MAC_A, arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003010", userClass: "iPXE", ipxe: true }).node;
    expect(viaIpxe.firmware).toMatchObject({ mode: "uefi", ipxe: true, vendorClass: UEFI.vendorClass });
    expect(viaIpxe.updatedAt).toBe(now);
    expect(inv.list()).toHaveLength(1);
  });

  it("refuses something that is no MAC", () => {
    expect(() => inv.upsertSeen({ mac: "nope", ipxe: false })).toThrow(expect.objectContaining({ code: "invalid-argument" }));
  });
});

describe("nodes from maekin.yaml", () => {
  it("creates a declared node once; a second ensure changes nothing", () => {
    const a = inv.ensureNode({ name: "n1", mac: MAC_A.toUpperCase(), ip: "10.0.0.11", profile: "deb" });
    const b = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    expect(b).toEqual(a);
    expect(a).toMatchObject({ name: "n1", macs: [MAC_A], ip: "10.0.0.11", profile: "deb", source: "config", state: "discovered" });
    expect(inv.events(a.id).map((e) => e.type)).toEqual(["declared"]);
  });

  it("adopts a discovered machine whose MAC the config now lists", () => {
    const seen = inv.upsertSeen(UEFI).node;
    const node = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    expect(node).toMatchObject({ id: seen.id, name: "n1", source: "config", firmware: seen.firmware });
    expect(inv.events(node.id).map((e) => e.type)).toEqual(["discovered", "adopted"]);
    expect(inv.getByName("mac-52540000000a")).toBeUndefined();
  });

  it("moves the node to a MAC replaced in the config and merges a discovered record of it", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    const stray = inv.upsertSeen({ mac: MAC_B, ipxe: false }).node;
    const moved = inv.ensureNode({ name: "n1", mac: MAC_B, ip: "10.0.0.12", profile: "deb" });
    expect(moved).toMatchObject({ id: node.id, macs: [MAC_B], ip: "10.0.0.12" });
    expect(inv.getByMac(MAC_A)).toBeUndefined();
    expect(inv.get(stray.id)).toBeUndefined();
    expect(inv.events(stray.id).at(-1)).toMatchObject({ type: "forgotten", message: expect.stringMatching(/merged into n1/) });
  });

  it("keeps MACs the agent added when the config is applied again", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A });
    inv.addMac(node.id, MAC_B);
    expect(inv.ensureNode({ name: "n1", mac: MAC_A }).macs).toEqual([MAC_A, MAC_B]);
    expect(inv.getByMac("52:54:00:00:00:0B")?.id).toBe(node.id);
  });

  it("refuses a MAC that another declared node holds, naming the fix", () => {
    inv.ensureNode({ name: "n1", mac: MAC_A });
    const other = inv.ensureNode({ name: "n2", mac: MAC_B });
    expect(() => inv.ensureNode({ name: "n2", mac: MAC_A })).toThrow(/maekin nodes forget n1/);
    expect(() => inv.addMac(other.id, MAC_A)).toThrow(expect.objectContaining({ code: "conflict" }));
  });

  it("notes the first DHCP sighting of a declared node in its timeline, once", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A, ip: "10.0.0.11", profile: "deb" });
    expect(inv.upsertSeen(UEFI)).toMatchObject({ created: false, node: { id: node.id, state: "discovered", firmware: { mode: "uefi" } } });
    inv.upsertSeen({ ...UEFI, ipxe: true });
    expect(inv.events(node.id).map((e) => e.type)).toEqual(["declared", "seen"]);
  });

  it("lists nodes by name and finds them by name or MAC", () => {
    inv.ensureNode({ name: "zeta", mac: MAC_A });
    inv.ensureNode({ name: "alpha", mac: MAC_B });
    expect(inv.list().map((n) => n.name)).toEqual(["alpha", "zeta"]);
    expect(inv.getByMac("5254.0000.000b")?.name).toBe("alpha");
    expect(inv.getByMac("garbage")).toBeUndefined();
    expect(inv.getByName("nobody")).toBeUndefined();
  });
});

describe("transitions", () => {
  it("walks the install, records each change with the time, and refuses an illegal move", () => {
    const node = readyNode();
    const types = inv.events(node.id).map((e) => `${e.type}:${e.data.from ?? ""}>${e.data.to ?? ""}`);
    expect(types).toEqual(["declared:>", "state:discovered>booting", "state:booting>installing", "state:installing>installed",
      "state:installed>registered", "state:registered>ready"]);
    now += 5000;
    expect(() => inv.transition(node.id, "installing")).toThrow(expect.objectContaining({ code: "illegal-transition" }));
    expect(inv.get(node.id)).toMatchObject({ state: "ready", stateSince: now - 5000 });
    expect(inv.events(node.id).at(-1)).toMatchObject({ type: "transition-refused", data: { from: "ready", to: "installing" } });
    expect(logged.some((l) => l.startsWith("illegal node transition refused"))).toBe(true);
  });

  it("treats a repeated state as a no-op", () => {
    const node = inv.ensureNode({ name: "n1", mac: MAC_A });
    inv.transition(node.id, "booting");
    inv.transition(node.id, "installing");
    const count = inv.events(node.id).length;
    now += 1000;
    const again = inv.transition(node.id, "installing");
    expect(again.changed).toBe(false);
    expect(again.node.stateSince).toBe(now - 1000);
    expect(inv.events(node.id)).toHaveLength(count);
  });

  it("needs a reason for failed, keeps it while failed and clears it on recovery", () => {
    const node = readyNode();
    expect(() => inv.transition(node.id, "failed")).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    const failed = inv.transition(node.id, "failed", { reason: "libvirtd is not running", check: "libvirt" }).node;
    expect(failed.failure).toEqual({ reason: "libvirtd is not running", check: "libvirt" });
    const still = inv.transition(node.id, "failed", { reason: "bridge br0 missing", check: "bridge" });
    expect(still).toMatchObject({ changed: false, node: { failure: { reason: "bridge br0 missing", check: "bridge" } } });
    expect(inv.transition(node.id, "ready").node.failure).toBeUndefined();
  });

  it("throws not-found for an unknown node", () => {
    expect(() => inv.transition(999, "booting")).toThrow(expect.objectContaining({ code: "not-found" }));
    expect(() => inv.appendEvent(999, { type: "x", message: "y" })).toThrow(expect.objectContaining({ code: "not-found" }));
  });
});

describe("events", () => {
  it("pages a node's events and streams every node's after a global id", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const b = inv.ensureNode({ name: "b", mac: MAC_B });
    for (let i = 0; i < 5; i++) inv.appendEvent(i % 2 ? a.id : b.id, { type: "install-progress", message: `step ${i}`, data: { i } });
    const ofA = inv.events(a.id);
    expect(ofA.map((e) => e.message)).toEqual(["declared in maekin.yaml with MAC 52:54:00:00:00:0a", "step 1", "step 3"]);
    expect(inv.events(a.id, { after: ofA[1]!.id }).map((e) => e.message)).toEqual(["step 3"]);
    expect(inv.events(b.id, { limit: 2 })).toHaveLength(2);
    const all = inv.eventsSince(0);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y));
    expect(inv.eventsSince(all[4]!.id).map((e) => e.message)).toEqual(["step 3", "step 4"]);
    expect(inv.eventsSince(0, 3)).toHaveLength(3);
    expect(inv.lastEventId()).toBe(all.at(-1)!.id);
    expect(all[2]).toMatchObject({ node: "b", nodeId: b.id, time: now, data: { i: 0 } });
  });

  it("refuses malformed events", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    expect(() => inv.appendEvent(a.id, { type: "", message: "m" })).toThrow(/non-empty type/);
    expect(() => inv.appendEvent(a.id, { type: "t", message: "m", data: [1] as never })).toThrow(/JSON object/);
  });

  it("cannot be changed or deleted, even with SQL", () => {
    const a = inv.ensureNode({ name: "a", mac: MAC_A });
    const db = new Database(join(dir, "inventory.db"));
    try {
      expect(() => db.prepare("UPDATE events SET message = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare("DELETE FROM events").run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect(inv.events(a.id)).toHaveLength(1);
  });
});
