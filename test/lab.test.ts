// `maekin lab` (issue 10): the pure planners as tables, and end to end: `lab up --nodes 1` in a
// namespace of its own, node01 PXE-boots from the lab's master until the Debian installer fetches
// its preseed and `lab status` says installing; then `lab down` (twice) leaves no namespace, tap
// or process. The built CLI runs as a user runs it; artifacts stay in test/artifacts/lab/.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createAssetCatalog } from "../src/assets/index.js";
import { createInventory } from "../src/inventory/index.js";
import { parseConfig } from "../src/config/index.js";
import {
  checkLabName, isLabFile, labConfigText, labNode, LabPlanError, nodeFirmware, parseLabFirmware, parseNodeCount, planLab,
  type LabStatus,
} from "../src/lab/index.js";
import { kvmProbeImage } from "../src/lab/_qemu.js";
import { NEXT_SUITES } from "../src/mirror/_layout.js";
import { alive, cliUnavailable, maekin, namespaces, sleep } from "./harness/lab-cli.js";
import { netnsUnavailable } from "./harness/netns.js";
import { qemuUnavailable } from "./harness/qemu.js";

const ARTIFACTS = join(import.meta.dirname, "artifacts", "lab");

describe("lab planners", () => {
  it.each([
    [1, "node01", "52:54:00:00:00:01", "10.77.0.11"],
    [9, "node09", "52:54:00:00:00:09", "10.77.0.19"],
    [12, "node12", "52:54:00:00:00:12", "10.77.0.22"],
    [89, "node89", "52:54:00:00:00:89", "10.77.0.99"],
  ])("node %i is %s with %s at %s", (n, name, mac, ip) => {
    expect(labNode(n)).toEqual({ name, mac, ip });
  });

  it.each([0, 90, 1.5, -1])("refuses node number %s", (n) => {
    expect(() => labNode(n)).toThrow(LabPlanError);
  });

  it.each([
    ["bios", ["bios", "bios", "bios"]],
    ["uefi", ["uefi", "uefi", "uefi"]],
    ["mixed", ["bios", "uefi", "bios"]],
  ] as const)("firmware %s gives nodes 1..3 %j", (fw, expected) => {
    expect([1, 2, 3].map((n) => nodeFirmware(fw, n))).toEqual(expected);
  });

  it.each([
    ["3", 3], ["89", 89], ["0", undefined], ["90", undefined], ["two", undefined], ["1.5", undefined], ["", undefined],
  ] as const)("--nodes %j -> %s", (text, n) => {
    if (n === undefined) expect(() => parseNodeCount(text)).toThrow(/--nodes must be a whole number from 1 to 89/);
    else expect(parseNodeCount(text)).toBe(n);
  });

  it.each([["bios", true], ["uefi", true], ["mixed", true], ["uefi-pxe", false], ["BIOS", false]] as const)("--firmware %s valid: %s", (fw, ok) => {
    if (ok) expect(parseLabFirmware(fw)).toBe(fw);
    else expect(() => parseLabFirmware(fw)).toThrow(/bios, uefi or mixed/);
  });

  it.each([["maekin-lab", true], ["mklab123", true], ["a.b_c-d", true], ["", false], ["-x", false], ["a/b", false], ["x".repeat(41), false]] as const)(
    "lab name %j usable: %s", (name, ok) => {
      if (ok) expect(checkLabName(name)).toBe(name);
      else expect(() => checkLabName(name)).toThrow(/not a usable lab name/);
    });

  it("plans namespace, bridge, taps and every file in the lab dir", () => {
    const plan = planLab({ dir: "/lab", nodes: 2, firmware: "mixed" });
    expect(plan).toMatchObject({
      namespace: "maekin-lab", bridge: "br-prov", masterCidr: "10.77.0.1/24", masterUrl: "http://10.77.0.1:8080",
      config: "/lab/maekin.yaml", stateDir: "/lab/state", masterLog: "/lab/master.log", stateFile: "/lab/lab.json",
    });
    expect(plan.nodes).toEqual([
      { name: "node01", mac: "52:54:00:00:00:01", ip: "10.77.0.11", tap: "tap-node01", firmware: "bios", disk: "/lab/node01.qcow2", serialLog: "/lab/node01.serial.log", qemuLog: "/lab/node01.qemu.log" },
      { name: "node02", mac: "52:54:00:00:00:02", ip: "10.77.0.12", tap: "tap-node02", firmware: "uefi", disk: "/lab/node02.qcow2", serialLog: "/lab/node02.serial.log", qemuLog: "/lab/node02.qemu.log", ovmfVars: "/lab/node02.vars.fd" },
    ]);
    for (const n of planLab({ dir: "/lab", nodes: 89, firmware: "bios" }).nodes) expect(n.tap.length).toBeLessThanOrEqual(15);
    expect(planLab({ dir: "/l", nodes: 1, firmware: "bios", name: "mk1", config: "/etc/m.yaml" })).toMatchObject({ namespace: "mk1", config: "/etc/m.yaml" });
  });

  it("writes a config that validates: the example's network, debian-12 with a regular disk, unknown machines discovered", () => {
    const plan = planLab({ dir: "/lab", nodes: 3, firmware: "bios" });
    const { config, issues } = parseConfig(labConfigText(plan), "lab.yaml");
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      master: { interface: "br-prov", address: "10.77.0.1", http: { port: 8080 } },
      network: { subnet: "10.77.0.0/24", gateway: "10.77.0.1", dhcp: { mode: "authoritative", pool: "10.77.0.100-10.77.0.199" } },
      profiles: { "debian-12": { os: "debian-12", disk: { layout: "regular" } } },
      enroll: { unknown: "discover" },
    });
    expect(config?.nodes.map((n) => [n.name, n.mac, n.ip, n.profile])).toEqual([
      ["node01", "52:54:00:00:00:01", "10.77.0.11", "debian-12"],
      ["node02", "52:54:00:00:00:02", "10.77.0.12", "debian-12"],
      ["node03", "52:54:00:00:00:03", "10.77.0.13", "debian-12"],
    ]);
  });

  it.each([
    ["node01.qcow2", true], ["node07.serial.log", true], ["node12.vars.fd", true], ["master.log", true], ["lab.json", true],
    ["maekin.yaml", false], ["state", false], ["node1.qcow2", false], ["important.qcow2", false],
  ] as const)("--purge removes %s: %s", (name, purged) => {
    expect(isLabFile(name)).toBe(purged);
  });

  it("excuses lab up's stop at the mirror only when the upstream archive is proven the cause", () => {
    const out = [
      "[ 30.1 s] mirror: refused by the archive: partman-utils 226: Failed to fetch http://a/p.udeb  404  Not Found",
      "[ 30.2 s] mirror: substitutes: trixie cannot be used: apt-get update failed",
      "[ 30.3 s] mirror: substitutes: stable cannot be used: apt-get update failed",
      "[ 30.5 s] mirror: left out partman-base: it depends on partman-utils, which the mirror does not have",
      "[ 30.6 s] mirror: left out partman-auto: it depends on partman-base, which the mirror does not have",
      "maekin: the mirror lacks needed packages: partman-utils, partman-base, partman-auto",
    ].join("\n");
    expect(upstreamGaps(out)).toEqual(["partman-utils", "partman-base", "partman-auto"]);
    // A package the archive served but the mirror still lacks is ours to explain, not the archive's.
    expect(upstreamGaps(out.replace("partman-utils, partman-base", "partman-utils, grub-installer, partman-base"))).toBeUndefined();
    // A later release that could be used and still did not help is not the archive's fault either.
    expect(upstreamGaps(out.replace(/.*stable cannot be used.*\n/, ""))).toBeUndefined();
    expect(upstreamGaps("maekin: cannot create the namespace")).toBeUndefined();
  });

  it("builds a KVM probe boot sector", () => {
    const image = kvmProbeImage();
    expect(image.length).toBe(512);
    expect([image[510], image[511]]).toEqual([0x55, 0xaa]);
  });
});

async function missingAssets(): Promise<string | undefined> {
  const catalog = createAssetCatalog({ stateDir: join(tmpdir(), "maekin-no-state") });
  for (const name of ["undionly.kpxe", "debian-12/linux", "debian-12/initrd.gz"]) {
    if (!(await catalog.resolve(name))) return `boot asset ${name} is missing (\`maekin doctor\` says which package has it)`;
  }
  return cliUnavailable();
}

const why = (await netnsUnavailable()) ?? (await qemuUnavailable()) ?? (await missingAssets());
if (why && process.env.CI) throw new Error(`CI must run the lab test, but: ${why}`);

/** Under TCG the installer fetched its preseed 95-160 s after power-on; 5 minutes leaves room on a busy host. */
const PRESEED_BUDGET_MS = 5 * 60_000;
/**
 * From the preseed to partman: the installer fetches, checks and loads its components from the
 * mirror. 458 s here with the machine's load average at 6; CI runs other QEMU tests beside it.
 */
const PARTITIONING_BUDGET_MS = 15 * 60_000;
/** `maekin mirror sync` took 73 s here for 210 MiB. */
const SYNC_BUDGET_MS = 6 * 60_000;

/**
 * The packages lab up's mirror lacks when the upstream archive is what cannot give them, or
 * undefined: lab up stopped at the mirror, every package it names was refused by the archive
 * (HTTP 404) or left out for depending on what the mirror lacks (a virtual name such as
 * mounted-partitions among them), at least one was refused, and the sync could use no later
 * release (each of NEXT_SUITES refused). Any other failure, ours included, is not excused.
 */
function upstreamGaps(output: string): string[] | undefined {
  const lacking = /the mirror lacks needed packages: (.+)/.exec(output)?.[1]?.trim().split(/, /);
  if (!lacking) return undefined;
  const refused = new Set([...output.matchAll(/refused by the archive: (\S+) \S+: .*\b404\b/g)].map((m) => m[1]!));
  const leftOut = new Set([...output.matchAll(/left out (\S+): it depends on \S+, which the mirror does not have/g)].map((m) => m[1]!));
  const noLaterRelease = NEXT_SUITES.every((suite) => output.includes(`substitutes: ${suite} cannot be used:`));
  const explained = lacking.every((pkg) => refused.has(pkg) || leftOut.has(pkg)) && lacking.some((pkg) => refused.has(pkg));
  return noLaterRelease && explained ? lacking : undefined;
}

/** The types of node01's events, read from the master's inventory (WAL lets us read while it writes). */
function eventTypes(stateDir: string): string[] {
  const inventory = createInventory({ path: join(stateDir, "inventory.db") });
  try {
    const node = inventory.getByName("node01");
    return node ? inventory.events(node.id).map((e) => e.type) : [];
  } finally {
    inventory.close();
  }
}

describe.skipIf(why)(`maekin lab up, status, down${why ? ` (skipped: ${why})` : ""}`, () => {
  // A namespace of our own, so a developer's maekin-lab (or a parallel run) is never touched.
  const name = `mklab${process.pid}`;
  let dir = "";
  afterAll(async () => {
    if (!dir) return;
    await maekin("lab", "down", "--dir", dir, "--name", name);
    await rm(ARTIFACTS, { recursive: true, force: true });
    await cp(dir, ARTIFACTS, { recursive: true, filter: (src) => !src.endsWith(".qcow2") && !src.endsWith(".fd") }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  // CI's shortened path of `npm run e2e:full`: the mirror is synced and signed, and the installer
  // trusts it (the keyring initrd): it gets its components from it and reaches partitioning.
  it("syncs the mirror, boots node01 to its preseed and on to partitioning from the signed mirror, and leaves nothing behind", async () => {
    dir = await mkdtemp(join(tmpdir(), "maekin-lab-"));
    const t0 = Date.now();
    let up = await maekin("lab", "up", "--nodes", "1", "--dir", dir, "--name", name);
    // An upstream archive that cannot give the installer what it needs (proven from lab up's own
    // report, below) stops lab up at the mirror, rightly. Everything else is still checked, with
    // the installer getting as far as its preseed: lab up --no-mirror.
    const gaps = up.code === 0 ? undefined : upstreamGaps(`${up.stdout}\n${up.stderr}`);
    if (gaps) {
      console.log(`lab e2e: the upstream archive cannot give the installer ${gaps.join(", ")} (refused with 404, or depending on what was, and no later release verifies); checked up to the preseed only, with lab up --no-mirror`);
      up = await maekin("lab", "up", "--nodes", "1", "--dir", dir, "--name", name, "--no-mirror");
    }
    expect(up.code, up.stderr).toBe(0);
    const upSeconds = (Date.now() - t0) / 1000;
    const poweredOn = Date.now();
    expect(up.stdout).toMatch(/node01: 52:54:00:00:00:01 10\.77\.0\.11 bios\/(kvm|tcg) \(pid \d+\)/);
    if (!gaps) expect(up.stdout).toMatch(/mirror: \d+ debs, \d+ udebs .* in \d+ s/);
    expect(await namespaces()).toContain(name);
    expect(await readFile(`/etc/netns/${name}/hosts`, "utf8")).toContain("10.77.0.11 node01.cloud.test node01");
    const state = JSON.parse(await readFile(join(dir, "lab.json"), "utf8")) as { master: { pid: number }; nodes: { pid: number }[] };
    const pids = [state.master.pid, ...state.nodes.map((n) => n.pid)];
    expect(await alive(pids)).toEqual(pids);

    // The master's log says when node01's installer fetched its preseed.
    let preseedAt: number | undefined;
    while (!preseedAt && Date.now() - poweredOn < PRESEED_BUDGET_MS) {
      await sleep(2_000);
      const log = await readFile(join(dir, "master.log"), "utf8");
      const hit = log.split("\n").filter(Boolean).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; } })
        .find((r) => r.msg === "answer file served" && r.node === "node01" && r.file === "preseed.cfg");
      if (hit) preseedAt = Date.now();
    }
    expect(preseedAt, `no preseed for node01 within ${PRESEED_BUDGET_MS / 1000} s; see ${ARTIFACTS}`).toBeDefined();

    let partitioningAt: number | undefined;
    while (!gaps && !partitioningAt && Date.now() - preseedAt! < PARTITIONING_BUDGET_MS) {
      await sleep(5_000);
      if (eventTypes(join(dir, "state")).includes("install.partitioning")) partitioningAt = Date.now();
    }
    if (!gaps) expect(partitioningAt, `node01's installer did not reach partitioning within ${PARTITIONING_BUDGET_MS / 1000} s of its preseed; see ${ARTIFACTS}`).toBeDefined();

    const status = await maekin("lab", "status", "--dir", dir, "--json");
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as LabStatus;
    expect(report).toMatchObject({ up: true, namespace: name, namespaceExists: true, master: { url: "http://10.77.0.1:8080", running: true } });
    expect(report.nodes).toEqual([expect.objectContaining({ name: "node01", state: "installing", qemu: expect.objectContaining({ running: true }) })]);
    expect((await maekin("lab", "status", "--dir", dir)).stdout).toMatch(/node01 .* installing +\S+ +running/);

    const d0 = Date.now();
    const down = await maekin("lab", "down", "--dir", dir);
    expect(down.code, down.stderr).toBe(0);
    const downSeconds = (Date.now() - d0) / 1000;
    expect(down.stdout).toMatch(new RegExp(`deleted tap-node01, br-prov, namespace ${name}`));
    expect(await namespaces()).not.toContain(name);
    await expect(readFile(`/etc/netns/${name}/hosts`, "utf8")).rejects.toThrow(/ENOENT/);
    expect(await alive(pids)).toEqual([]);
    const ps = (await promisify(execFile)("ps", ["-eo", "args"])).stdout;
    expect(ps.split("\n").filter((l) => l.includes(dir))).toEqual([]);
    expect((await promisify(execFile)("ip", ["link", "show"])).stdout).not.toContain("tap-node01");

    // Again: nothing left to do, still exit 0; disks and logs stay without --purge.
    const again = await maekin("lab", "down", "--dir", dir, "--name", name);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/nothing to take down/) });
    expect(await readFile(join(dir, "node01.serial.log"), "utf8")).toContain("iPXE");
    expect((await maekin("lab", "status", "--dir", dir)).stdout).toMatch(/no lab is up/);

    const partitioned = partitioningAt ? ` and partitioning ${((partitioningAt - poweredOn) / 1000).toFixed(0)} s` : "";
    console.log(`lab e2e: up ${upSeconds.toFixed(1)} s (mirror sync included), preseed ${((preseedAt! - poweredOn) / 1000).toFixed(0)} s${partitioned} after power-on, down ${downSeconds.toFixed(1)} s`);
  }, SYNC_BUDGET_MS + PRESEED_BUDGET_MS + PARTITIONING_BUDGET_MS + 120_000);
});
