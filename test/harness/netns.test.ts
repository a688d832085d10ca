import { afterAll, describe, expect, it } from "vitest";
import { createTestNet, netnsUnavailable, sh } from "./netns.js";

const why = await netnsUnavailable();
if (why && process.env.CI) throw new Error(`CI must run namespace tests, but: ${why}`);

describe.skipIf(why)(`netns harness${why ? ` (skipped: ${why})` : ""}`, () => {
  const net = createTestNet("h");
  afterAll(() => net.close());

  it("joins two namespaces with a veth pair that passes traffic, and removes them on close", async () => {
    const a = await net.netns("a");
    const b = await net.netns("b");
    await net.veth({ ns: a, ifname: "eth0", cidr: "10.99.0.1/24" }, { ns: b, ifname: "eth0", cidr: "10.99.0.2/24" });
    const out = await net.exec(b, ["ping", "-c", "1", "-W", "2", "10.99.0.1"]);
    expect(out).toMatch(/1 received/);
    await net.bridge(a, "br0", "10.98.0.1/24");
    await net.tap(a, "tap0", "br0");
    expect(await net.exec(a, ["ip", "-o", "link", "show", "master", "br0"])).toMatch(/tap0/);
    await net.close();
    const left = await sh(["ip", "netns", "list"]);
    expect(left).not.toContain(a);
    expect(left).not.toContain(b);
  });
});
