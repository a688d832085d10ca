import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { createSyslogServer, parseSyslog } from "./index.js";

describe("parseSyslog", () => {
  it.each([
    ["<13>Nov 23 01:02:03 anna[1234]: DEBUG: retrieving partman-base", { facility: 1, severity: 5, program: "anna", text: "DEBUG: retrieving partman-base" }],
    ["<14>main-menu[321]: INFO: Menu item 'netcfg' selected", { facility: 1, severity: 6, program: "main-menu", text: "INFO: Menu item 'netcfg' selected" }],
    ["<30>1 2026-11-23T01:02:03Z node03 anaconda 123 - - Starting installer", { facility: 3, severity: 6, program: "anaconda", text: "Starting installer" }],
    ["<11>plain text without a tag", { facility: 1, severity: 3, text: "plain text without a tag" }],
    ["<191>x\n", { facility: 23, severity: 7, text: "x" }],
  ])("%j", (line, expected) => expect(parseSyslog(line)).toEqual(expected));

  it.each(["no pri", "<192>too big", "<>empty", "", "<1a>x"])("drops %j", (line) => expect(parseSyslog(line)).toBeUndefined());

  it("never throws on random bytes", () => {
    for (let i = 0; i < 10_000; i++) {
      const bytes = Buffer.from(Array.from({ length: (i % 64) + 1 }, () => Math.floor(Math.random() * 256)));
      if (i % 3 === 0) bytes.write("<13>", 0);
      expect(() => parseSyslog(bytes)).not.toThrow();
    }
  });
});

describe("the syslog receiver", () => {
  it("hands each line to onMessage with the sender, and counts malformed datagrams", async () => {
    const got: [string, string][] = [];
    const server = createSyslogServer({ address: "127.0.0.1", port: 0, onMessage: (from, m) => got.push([from, m.text]) });
    const { port } = await server.listen();
    const client = createSocket("udp4");
    for (const line of ["<13>anna[1]: one", "garbage", "<13>anna[1]: two"]) {
      await new Promise<void>((resolve) => client.send(line, port, "127.0.0.1", () => resolve()));
    }
    const end = Date.now() + 2000;
    while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    client.close();
    await server.close();
    expect(got).toEqual([["127.0.0.1", "one"], ["127.0.0.1", "two"]]);
    expect(server.stats()).toEqual({ received: 2, malformed: 1 });
  });
});

describe("RFC 3164 with a host name", () => {
  it("skips the host before the tag", () => {
    expect(parseSyslog("<13>Nov 23 01:02:03 node01 anna[1234]: hello")).toEqual({ facility: 1, severity: 5, program: "anna", text: "hello" });
  });
});
