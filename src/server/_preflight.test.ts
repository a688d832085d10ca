// Preflight: the master's interface and address checks, including a bridge without carrier.
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestNet, netnsUnavailable } from "../../test/harness/netns.js";
import { EXAMPLE_PATH, loopbackCluster } from "../../test/fixtures/loopback.js";
import { hasLocalAddress, preflight } from "./_preflight.js";

const sys = mkdtempSync(join(tmpdir(), "mk-sysnet-"));
mkdirSync(join(sys, "lo"));
const cluster = loopbackCluster({ http: 8080 });

describe("preflight", () => {
  afterAll(() => rmSync(sys, { recursive: true, force: true }));

  it.each([
    ["passes with the interface and the address", true, undefined],
    ["names the missing address and the command that adds it", false, /address 127\.0\.0\.1 \(master\.address\) is on no interface; add it: ip addr add 127\.0\.0\.1\/8 dev lo/],
  ] as const)("%s", async (_name, present, error) => {
    const run = preflight(cluster, { sysClassNet: sys, hasAddress: async () => present });
    if (error) await expect(run).rejects.toThrow(error);
    else await expect(run).resolves.toBeUndefined();
  });

  it("names the interfaces that exist when the configured one does not", async () => {
    await expect(preflight(cluster, { sysClassNet: join(sys, "nosuch"), hasAddress: async () => true })).rejects.toThrow(/interface lo .* set it to one of: none/);
  });

  it.each([["127.0.0.1", true], ["127.0.0.9", false], ["192.0.2.77", false]] as const)("hasLocalAddress(%s) is %s", async (address, local) => {
    expect(await hasLocalAddress(address)).toBe(local);
  });
});

const why = await netnsUnavailable();
if (why && process.env.CI) throw new Error(`CI must run the preflight namespace test, but: ${why}`);

describe.skipIf(why)(`preflight in a namespace${why ? ` (skipped: ${why})` : ""}`, () => {
  const net = createTestNet("f");
  afterAll(() => net.close());

  // Regression: os.networkInterfaces() hides interfaces without carrier, so `maekin serve` refused a
  // lab bridge whose tap had no VM yet ("address 10.77.0.1 is on no interface").
  it("finds the address of a bridge that has no carrier yet", async () => {
    const ns = await net.netns("pf");
    await net.bridge(ns, "br-prov", "10.77.0.1/24");
    await net.tap(ns, "tap0", "br-prov");
    expect(await net.exec(ns, ["ip", "-o", "link", "show", "br-prov"])).toMatch(/NO-CARRIER/);
    const src = (path: string) => JSON.stringify(new URL(path, import.meta.url).pathname);
    const probe = `const [p, c, m] = await Promise.all([import(${src("./_preflight.ts")}), import(${src("../config/index.ts")}), import(${src("../model/cluster.ts")})]);
      await p.preflight(m.createCluster(await c.loadConfig(${JSON.stringify(EXAMPLE_PATH)}, "maekin.yaml")));
      console.log(JSON.stringify([await p.hasLocalAddress("10.77.0.1"), await p.hasLocalAddress("10.77.0.2")]));`;
    const out = await net.exec(ns, [process.execPath, "--import", "tsx", "--input-type=module", "-e", probe]);
    expect(JSON.parse(out)).toEqual([true, false]);
  });
});
