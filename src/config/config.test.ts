import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../model/paths.js";
import { formatIssue, parseConfig } from "./index.js";

const EXAMPLE_PATH = join(packageRoot, "..", "shared", "examples", "maekin.yaml");
const example = readFileSync(EXAMPLE_PATH, "utf8");

/** Line:col of the first occurrence of `marker` in text, computed independently of the locator. */
function positionOf(text: string, marker: string, offset = 0): string {
  const index = text.indexOf(marker);
  if (index < 0) throw new Error(`marker ${marker} not in text`);
  const before = text.slice(0, index + offset);
  const line = before.split("\n").length;
  const col = index + offset - before.lastIndexOf("\n");
  return `${line}:${col}`;
}

function edit(from: string, to: string): (text: string) => string {
  return (text) => {
    if (!text.includes(from)) throw new Error(`example lacks ${from}`);
    return text.replace(from, to);
  };
}

describe("the shared example config", () => {
  it("validates as written, with MACs normalized and defaults applied", () => {
    const { config, issues } = parseConfig(example, "maekin.yaml");
    expect(issues.map(formatIssue)).toEqual([]);
    expect(config?.nodes.map((n) => n.mac)).toEqual(["52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03"]);
    expect(config?.network.dhcp.leaseTime).toBe(3600);
    expect(config?.master.tftp.port).toBe(69);
  });

  it("the config that `maekin init` writes validates too", () => {
    const text = readFileSync(join(packageRoot, "kickstart", "maekin.yaml"), "utf8");
    expect(parseConfig(text, "init.yaml").issues.map(formatIssue)).toEqual([]);
  });
});

// Each case breaks the example in one place; `at` is a marker whose position the error must name.
const cases: { name: string; change: (t: string) => string; at: string; atOffset?: number; message: RegExp }[] = [
  { name: "CIDR syntax", change: edit("subnet: 10.77.0.0/24", "subnet: 10.77.0.0/40"), at: "10.77.0.0/40", message: /not a subnet in CIDR form/ },
  { name: "CIDR with host bits", change: edit("subnet: 10.77.0.0/24", "subnet: 10.77.0.5/24"), at: "10.77.0.5/24", message: /host bits set/ },
  { name: "pool outside the subnet", change: edit("pool: 10.77.0.100-10.77.0.199", "pool: 10.77.0.100-10.77.1.20"), at: "10.77.0.100-10.77.1.20", message: /not inside subnet 10\.77\.0\.0\/24/ },
  { name: "pool over the master", change: edit("pool: 10.77.0.100-10.77.0.199", "pool: 10.77.0.1-10.77.0.9"), at: "10.77.0.1-10.77.0.9", message: /contains the master's address 10\.77\.0\.1/ },
  { name: "pool over a reservation", change: edit("pool: 10.77.0.100-10.77.0.199", "pool: 10.77.0.12-10.77.0.12"), at: "10.77.0.12-10.77.0.12", message: /contains 10\.77\.0\.12, reserved for nodes\[1\]/ },
  { name: "pool over the gateway", change: (t) => edit("gateway: 10.77.0.1", "gateway: 10.77.0.254")(edit("pool: 10.77.0.100-10.77.0.199", "pool: 10.77.0.200-10.77.0.254")(t)), at: "10.77.0.200-10.77.0.254", message: /contains the gateway 10\.77\.0\.254/ },
  { name: "master outside the subnet", change: edit("address: 10.77.0.1", "address: 10.78.0.1"), at: "10.78.0.1", message: /master.*|not a host address inside subnet/ },
  { name: "node IP outside the subnet", change: edit("ip: 10.77.0.12", "ip: 10.99.0.12"), at: "10.99.0.12", message: /not a host address inside subnet/ },
  { name: "duplicate node name", change: edit("name: node02", "name: node01"), at: "node01, mac: \"52:54:00:00:00:02", message: /name node01 is already used by nodes\[0\]/ },
  { name: "duplicate MAC in another notation", change: edit('"52:54:00:00:00:03"', '"52-54-00-00-00-01"'), at: '"52-54-00-00-00-01"', message: /mac 52:54:00:00:00:01 is already used by nodes\[0\]/ },
  { name: "duplicate IP", change: edit("ip: 10.77.0.13", "ip: 10.77.0.11"), at: "10.77.0.11, profile: kvm-rocky9", message: /ip 10\.77\.0\.11 is already used by nodes\[0\]/ },
  { name: "malformed MAC", change: edit('"52:54:00:00:00:02"', '"52:54:00:00:00"'), at: '"52:54:00:00:00"', message: /not a MAC address/ },
  { name: "unknown profile", change: edit("profile: kvm-rocky9 }", "profile: kvm-roky9 }"), at: "kvm-roky9", message: /"kvm-roky9" is not defined.*did you mean "kvm-rocky9"/ },
  { name: "node name not RFC 1123", change: edit("name: node03", "name: node_03"), at: "node_03", message: /not a valid host name/ },
  { name: "domain not RFC 1123", change: edit("domain: cloud.test", "domain: cloud..test"), at: "cloud..test", message: /not a valid domain name/ },
  { name: "plaintext root password", change: edit(`hash: "$6$maekinlab$`, `hash: "hunter2"\n      x: "`), at: '"hunter2"', message: /plaintext password.*mkpasswd -m sha-512/ },
  { name: "SSH key that does not parse", change: edit("AAAAC3NzaC1lZDI1NTE5AAAAILP0", "AAAAB3NzaC1yc2EAAAADAQABAAAB"), at: '"ssh-ed25519 AAAAB3', message: /does not decode as ssh-ed25519/ },
  { name: "unknown key", change: edit("  gateway: 10.77.0.1", "  gatway: 10.77.0.1"), at: "gatway", message: /unknown key "gatway" \(did you mean "gateway"\?\)/ },
  { name: "unknown OS", change: edit("os: rocky-9", "os: rocky9"), at: "os: rocky9", atOffset: 4, message: /"rocky9" is not allowed \(did you mean "rocky-9"\?\)/ },
  { name: "invalid bridge name", change: edit("bridge: { name: br0 }", "bridge: { name: br0-is-far-too-long }"), at: "br0-is-far-too-long", message: /not a valid Linux interface name/ },
  { name: "missing required key", change: edit("  domain: cloud.test\n", ""), at: "name: lab", atOffset: 0, message: /missing required key "domain"/ },
  { name: "bad duration", change: edit("leaseTime: 1h", "leaseTime: 1y"), at: "1y", message: /not a duration/ },
  { name: "YAML syntax", change: edit("dns: [10.77.0.1]", "dns: [10.77.0.1"), at: "  dhcp:", atOffset: 2, message: /YAML syntax/ },
  { name: "install without a pool", change: edit("    pool: 10.77.0.100-10.77.0.199\n", ""), at: "unknown: install", atOffset: 9, message: /needs network\.dhcp\.pool/ },
];

describe("a bad config is refused with file:line:col", () => {
  it.each(cases)("$name", ({ change, at, atOffset, message }) => {
    const text = change(example);
    const { config, issues } = parseConfig(text, "bad.yaml");
    expect(config).toBeUndefined();
    const lines = issues.map(formatIssue);
    const match = lines.find((l) => message.test(l));
    expect(match, `no issue matches ${message} in:\n${lines.join("\n")}`).toBeDefined();
    expect(match).toMatch(new RegExp(`^bad\\.yaml:${positionOf(text, at, atOffset ?? 0)}: `));
  });

  it("reports three independent mistakes at once, in file order", () => {
    const text = [
      edit("subnet: 10.77.0.0/24", "subnet: 10.77.0.0/24\n  gatway: 10.77.0.1"),
      edit("os: rocky-9", "os: rocky9"),
      edit('"52:54:00:00:00:02"', '"52:54:00:00:00:01"'),
    ].reduce((t, f) => f(t), example);
    const lines = parseConfig(text, "three.yaml").issues.map(formatIssue);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^three\\.yaml:${positionOf(text, "gatway")}: network\\.gatway: unknown key`)),
      expect.stringMatching(new RegExp(`^three\\.yaml:${positionOf(text, "os: rocky9", 4)}: profiles\\.kvm-rocky9\\.os: `)),
      expect.stringMatching(new RegExp(`^three\\.yaml:${positionOf(text, '"52:54:00:00:00:01", ip: 10.77.0.12')}: nodes\\[1\\]\\.mac: mac 52:54:00:00:00:01 is already used`)),
    ]);
  });

  it("refuses a file that is not a mapping", () => {
    expect(parseConfig("- just\n- a list\n", "list.yaml").issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^list\.yaml:1:1: the file must be a mapping/),
    ]);
  });
});
