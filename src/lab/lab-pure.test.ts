// The lab's pure parts: its namespace hosts file and the state timeline `lab status` prints.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatTimeline } from "../cli/lab.js";
import { labHostsText, removeLabHosts, writeLabHosts } from "./_hosts.js";
import { planLab } from "./_plan.js";
import { stateTimeline } from "./_status.js";

describe("lab hosts file", () => {
  const plan = planLab({ dir: "/tmp/lab-x", nodes: 2, firmware: "mixed" });
  const root = mkdtemp(join(tmpdir(), "mk-netns-etc-"));
  afterAll(async () => rm(await root, { recursive: true, force: true }));

  it("names the master and every node by short name and fqdn", () => {
    const lines = labHostsText(plan, "cloud.test").split("\n");
    expect(lines).toContain("10.77.0.1 maekin-master.cloud.test maekin-master");
    expect(lines).toContain("10.77.0.11 node01.cloud.test node01");
    expect(lines).toContain("10.77.0.12 node02.cloud.test node02");
    expect(lines).toContain("127.0.0.1 localhost");
  });

  it("is written under <root>/<ns>/hosts and removed with its folder", async () => {
    const etc = await root;
    await writeLabHosts(plan, "cloud.test", etc);
    const file = join(etc, plan.namespace, "hosts");
    expect(await readFile(file, "utf8")).toContain("node02.cloud.test");
    expect(await removeLabHosts(plan.namespace, etc)).toBe(true);
    await expect(stat(join(etc, plan.namespace))).rejects.toThrow(/ENOENT/);
    expect(await removeLabHosts(plan.namespace, etc)).toBe(false);
  });
});

describe("state timeline", () => {
  const t0 = Date.UTC(2026, 10, 23, 4, 0, 0);
  const events = [
    { type: "state", message: "installing -> installed", time: t0 + 1_700_000 },
    { type: "discovered", message: "seen by DHCP", time: t0 + 5_000 },
    { type: "state", message: "discovered -> booting", time: t0 + 12_000 },
    { type: "state", message: "booting -> installing: answer file fetched", time: t0 + 105_000 },
    { type: "transition-refused", message: "refused installed -> booting: no boot loops", time: t0 + 1_800_000 },
  ];

  it("keeps only state changes, oldest first, and prints them as time since power-on", () => {
    const timeline = stateTimeline(events);
    expect(timeline.map((t) => t.state)).toEqual(["booting", "installing", "installed"]);
    expect(formatTimeline(timeline, t0)).toBe("booting +0:12, installing +1:45, installed +28:20");
    expect(formatTimeline(timeline)).toMatch(/^booting 04:00:12, /);
  });
});
