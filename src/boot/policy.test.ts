import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { packageRoot } from "../model/paths.js";
import { createBootPolicy, enrolledName } from "./_policy.js";
import { MemoryBootStore } from "./_store.js";
import type { NodeState } from "../inventory/index.js";

const example = readFileSync(join(packageRoot, "..", "shared", "examples", "maekin.yaml"), "utf8");
const urls = { tftpServer: "10.77.0.1", httpBase: "http://10.77.0.1:8080" };

function policyFor(unknown: "install" | "discover" | "ignore" = "install") {
  const { config } = parseConfig(example.replace("unknown: install", `unknown: ${unknown}`), "x.yaml");
  const store = new MemoryBootStore();
  return { store, policy: createBootPolicy({ cluster: createCluster(config!), store, urls }) };
}

describe("script(): install or boot the local disk", () => {
  it.each<[string, NodeState | undefined, "install" | "local", RegExp]>([
    ["a known node never seen", undefined, "install", /node01/],
    ["a discovered node", "discovered", "install", /node01/],
    ["a node that is booting again", "booting", "install", /node01/],
    ["a node still installing", "installing", "install", /node01/],
    ["an installed node", "installed", "local", /node01 is installed; `maekin nodes reinstall node01`/],
    ["a registered node", "registered", "local", /is registered/],
    ["a ready node", "ready", "local", /is ready/],
    ["an offline node", "offline", "local", /is offline/],
    ["a failed node", "failed", "local", /node01 failed; `maekin nodes reinstall node01` tries again/],
  ])("%s (%s) -> %s", async (_, state, kind, why) => {
    const { store, policy } = policyFor();
    if (state) store.records.set("node01", { name: "node01", mac: "52:54:00:00:00:01", state });
    const decision = await policy.script("52:54:00:00:00:01");
    expect(decision.kind).toBe(kind);
    expect(decision.kind === "install" ? decision.target.name : decision.reason).toMatch(why);
  });

  it.each([
    ["install", "install", /node-525400abcdef/],
    ["discover", "local", /enroll\.unknown is "discover"/],
    ["ignore", "local", /enroll\.unknown is "ignore"/],
  ] as const)("an unknown machine with enroll.unknown %s -> %s", async (mode, kind, why) => {
    const { policy } = policyFor(mode);
    const decision = await policy.script("52:54:00:ab:cd:ef");
    expect(decision.kind).toBe(kind);
    expect(decision.kind === "install" ? decision.target.name : decision.reason).toMatch(why);
  });

  it("a new script means a new token; the old one stops working", async () => {
    const { policy } = policyFor();
    const first = await policy.script("52:54:00:00:00:01");
    const second = await policy.script("52:54:00:00:00:01");
    if (first.kind !== "install" || second.kind !== "install") throw new Error("expected installs");
    expect(first.token).not.toBe(second.token);
    expect(await policy.answer(first.token, "preseed.cfg")).toMatchObject({ kind: "denied", status: 403 });
    expect(await policy.answer(second.token, "preseed.cfg")).toMatchObject({ kind: "file" });
  });
});

describe("answer(): which files a token opens", () => {
  it.each([
    ["52:54:00:00:00:01", "preseed.cfg", "file"],
    ["52:54:00:00:00:01", "late.sh", "file"],
    ["52:54:00:00:00:01", "ks.cfg", "denied"],
    ["52:54:00:00:00:03", "ks.cfg", "file"],
    ["52:54:00:00:00:03", "preseed.cfg", "denied"],
    ["52:54:00:00:00:03", "../../etc/passwd", "denied"],
  ])("%s asks for %s -> %s", async (mac, file, kind) => {
    const { policy, store } = policyFor();
    const decision = await policy.script(mac);
    if (decision.kind !== "install") throw new Error("expected install");
    expect((await policy.answer(decision.token, file)).kind).toBe(kind);
    if (kind === "file" && file !== "late.sh") expect(store.byMac(mac)?.state).toBe("installing");
  });
});

describe("DHCP side", () => {
  it("reserves known nodes, pools enrolled ones, stays silent otherwise", () => {
    expect(policyFor().policy.lookup({ mac: "52:54:00:00:00:02", ipxe: false })).toEqual({ allow: true, ip: "10.77.0.12", hostname: "node02" });
    expect(policyFor("install").policy.lookup({ mac: "52:54:00:ab:cd:ef", ipxe: false })).toEqual({ allow: true, hostname: enrolledName("52:54:00:ab:cd:ef") });
    expect(policyFor("discover").policy.lookup({ mac: "52:54:00:ab:cd:ef", ipxe: false })).toEqual({ allow: false });
    expect(policyFor().policy.isReserved("10.77.0.13")).toBe(true);
    expect(policyFor().policy.isReserved("10.77.0.150")).toBe(false);
  });

  it("records sightings, except of unknown machines under enroll.unknown: ignore", () => {
    const discover = policyFor("discover");
    discover.policy.onSeen({ mac: "52:54:00:ab:cd:ef", ipxe: false, arch: 7 });
    expect(discover.store.byMac("52:54:00:ab:cd:ef")).toMatchObject({ name: "node-525400abcdef", state: "discovered" });
    const ignore = policyFor("ignore");
    ignore.policy.onSeen({ mac: "52:54:00:ab:cd:ef", ipxe: false });
    expect(ignore.store.byMac("52:54:00:ab:cd:ef")).toBeUndefined();
  });

  it("hands iPXE its script URL and firmware the right loader", () => {
    const { policy } = policyFor();
    expect(policy.boot({ mac: "52:54:00:00:00:01", ipxe: true })?.file).toBe("http://10.77.0.1:8080/boot.ipxe?mac=52%3A54%3A00%3A00%3A00%3A01");
    expect(policy.boot({ mac: "52:54:00:00:00:01", ipxe: false, arch: 7, vendorClass: "PXEClient:Arch:00007" })?.file).toBe("ipxe.efi");
    expect(policy.boot({ mac: "52:54:00:00:00:01", ipxe: false })).toBeUndefined();
  });
});
