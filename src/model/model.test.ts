import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";
import { domainProblem, hostLabelProblem } from "./hostname.js";
import { formatIpv4, inSubnet, isHostOf, parseCidr, parseIpv4, parseRange } from "./ipv4.js";
import { macFromBytes, normalizeMac } from "./mac.js";
import { passwordHashProblem, sshKeyProblem } from "./secrets.js";

const LAB_HASH = "$6$maekinlab$jcGby7Sw4D.3DEHlK/Ap9G1rH6gM2U4Vyjq9/raDsG94nCWaGSgY2q3LNg1YQ/nLUmzkkDHCf1ROnluBXXGYj0";
const LAB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILP0Lh0MvW30YdMxAkAgeCmnLqNeFfqHoMBNsK6w1UPv admin@maekin-lab";

describe("normalizeMac", () => {
  it.each([
    ["52:54:00:AB:cd:01", "52:54:00:ab:cd:01"],
    ["52-54-00-AB-CD-01", "52:54:00:ab:cd:01"],
    ["5254.00ab.cd01", "52:54:00:ab:cd:01"],
    ["525400ABCD01", "52:54:00:ab:cd:01"],
    [" 52:54:00:ab:cd:01 ", "52:54:00:ab:cd:01"],
    ["52:54:00:ab:cd", undefined],
    ["52:54:00:ab:cd:0g", undefined],
    ["52:54-00:ab:cd:01", undefined],
    ["", undefined],
  ])("%j -> %j", (input, expected) => expect(normalizeMac(input)).toBe(expected));

  it("formats raw chaddr bytes", () => expect(macFromBytes(Uint8Array.of(0x52, 0x54, 0, 1, 0xab, 0xff, 9))).toBe("52:54:00:01:ab:ff"));
});

describe("ipv4", () => {
  it.each([
    ["10.77.0.1", 0x0a4d0001],
    ["255.255.255.255", 0xffffffff],
    ["0.0.0.0", 0],
    ["10.77.0", undefined],
    ["10.77.0.256", undefined],
    ["10.077.0.1", undefined],
    ["10.77.0.1.", undefined],
    ["a.b.c.d", undefined],
    ["", undefined],
    ["1..2.3", undefined],
    ["1.2.3.4.5", undefined],
    [" 1.2.3.4", undefined],
    ["1.2.3.4 ", undefined],
    ["1.2.3.00", undefined],
    ["1.2.3.1000", undefined],
    ["-1.2.3.4", undefined],
    ["1.2.3.+4", undefined],
    ["100.200.250.9", 0x64c8fa09],
  ])("parseIpv4(%j) = %j", (text, value) => expect(parseIpv4(text)).toBe(value));

  it("round-trips addresses", () => expect(formatIpv4(parseIpv4("192.168.10.254")!)).toBe("192.168.10.254"));

  it.each([
    ["10.77.0.0/24", true],
    ["10.77.0.1/24", false],
    ["10.77.0.0/33", false],
    ["10.77.0.0", false],
    ["0.0.0.0/0", true],
  ])("parseCidr(%j) valid=%j", (text, ok) => expect(parseCidr(text) !== undefined).toBe(ok));

  it("knows hosts, network and broadcast", () => {
    const subnet = parseCidr("10.77.0.0/24")!;
    expect(inSubnet(parseIpv4("10.77.0.255")!, subnet)).toBe(true);
    expect(isHostOf(parseIpv4("10.77.0.255")!, subnet)).toBe(false);
    expect(isHostOf(parseIpv4("10.77.0.0")!, subnet)).toBe(false);
    expect(isHostOf(parseIpv4("10.77.0.1")!, subnet)).toBe(true);
    expect(inSubnet(parseIpv4("10.77.1.1")!, subnet)).toBe(false);
  });

  it.each([
    ["10.0.0.1-10.0.0.9", { start: 0x0a000001, end: 0x0a000009 }],
    ["10.0.0.9-10.0.0.1", undefined],
    ["10.0.0.1", undefined],
    ["10.0.0.1-10.0.0.300", undefined],
  ])("parseRange(%j)", (text, range) => expect(parseRange(text)).toEqual(range));
});

describe("hostnames (RFC 1123)", () => {
  it.each([
    ["node01", undefined],
    ["1node", undefined],
    ["a".repeat(63), undefined],
    ["a".repeat(64), /at most 63/],
    ["-node", /letters, digits/],
    ["node-", /letters, digits/],
    ["no_de", /letters, digits/],
    ["", /empty/],
  ])("label %j", (text, problem) => {
    const result = hostLabelProblem(text);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });

  it("checks every label of a domain", () => {
    expect(domainProblem("cloud.test")).toBeUndefined();
    expect(domainProblem("cloud..test")).toMatch(/label ""/);
    expect(domainProblem("cl_oud.test")).toMatch(/cl_oud/);
  });
});

describe("secrets", () => {
  it.each([
    [LAB_HASH, undefined],
    ["$5$salt$" + "a".repeat(43), undefined],
    ["$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", undefined],
    ["hunter2", /plaintext/],
    ["$1$salt$abcdefghijklmnopqrstuv", /weak/],
    ["$6$salt$tooshort", /malformed/],
  ])("password hash %j", (text, problem) => {
    const result = passwordHashProblem(text);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });

  it.each([
    [LAB_KEY, undefined],
    ["ssh-ed25519", /no base64/],
    ["ssh-dss AAAAB3NzaC1kc3MAAACBAP", /not a known key type/],
    ["ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILP0Lh0MvW30YdMxAkAgeCmnLqNeFfqHoMBNsK6w1UPv", /does not decode as ssh-rsa/],
    ["ssh-ed25519 not*base64", /no base64/],
  ])("ssh key %j", (text, problem) => {
    const result = sshKeyProblem(text);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90], ["30m", 1800], ["1h", 3600], ["7d", 604800], ["120", 120], [600, 600],
    ["1y", undefined], ["0s", undefined], [-5, undefined], [1.5, undefined], ["h", undefined],
  ])("%j -> %j", (input, seconds) => expect(parseDuration(input)).toBe(seconds));
});
