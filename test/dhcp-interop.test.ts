// Interop with real DHCP clients and a real peer server, in network namespaces: busybox udhcpc and
// ISC dhclient against our server; our proxyDHCP beside dnsmasq. The server runs as a separate
// process inside the server namespace (test/fixtures/dhcp-serve.ts through tsx).
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaddrOf, decodePacket, encodePacket, getOption, option, readLeases, type DhcpPacket } from "../src/net/dhcp/index.js";
import { createTestNet, netnsUnavailable, sh, type TestNet } from "./harness/netns.js";

async function missingTools(): Promise<string | undefined> {
  for (const tool of ["busybox", "dhclient", "dnsmasq"]) {
    try { await sh(["sh", "-c", `command -v ${tool}`]); } catch { return `${tool} is not installed`; }
  }
  return undefined;
}
const why = (await netnsUnavailable()) ?? (await missingTools());
if (why && process.env.CI) throw new Error(`CI must run the DHCP interop tests, but: ${why}`);

const SERVE = new URL("./fixtures/dhcp-serve.ts", import.meta.url).pathname;
const SERVER_IP = "10.61.0.1";
const HTTP = `http://${SERVER_IP}:8080`;
const MACS = { bios: "52:54:00:61:00:01", uefi: "52:54:00:61:00:02", ipxe: "52:54:00:61:00:03", dhclient: "52:54:00:61:00:04" };
const IPS = { bios: "10.61.0.51", uefi: "10.61.0.52", ipxe: "10.61.0.53", dhclient: "10.61.0.54" };

/** Starts the server process in ns and resolves once it printed "ready"; keeps its output. */
async function serve(net: TestNet, ns: string, config: object): Promise<{ child: ChildProcess; output: () => string }> {
  const child = net.spawn(ns, [process.execPath, "--import", "tsx", SERVE, JSON.stringify(config)]);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
  child.stderr?.on("data", (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    const check = () => { if (out.includes("ready ")) { clearTimeout(timer); resolve(); } };
    child.stdout?.on("data", check);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${out}`)); });
  });
  return { child, output: () => out };
}

/** Parses `env` output of a client hook script. */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe.skipIf(why)(`DHCP interop with real clients${why ? ` (skipped: ${why})` : ""}`, () => {
  const net = createTestNet("d");
  let dir = "";
  let srv = "";
  let cli = "";
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mkdhcp-interop-"));
    srv = await net.netns("srv");
    cli = await net.netns("cli");
    await net.veth({ ns: srv, ifname: "eth0", cidr: `${SERVER_IP}/24` }, { ns: cli, ifname: "eth0" });
    const hook = join(dir, "hook.sh");
    // dhclient gives its script a clean environment (no CLIENT): its files are named "dhclient".
    await writeFile(hook, `#!/bin/sh\nenv > "${dir}/\${CLIENT:-dhclient}.$1$reason.env"\n`);
    await chmod(hook, 0o755);
    server = await serve(net, srv, {
      mode: "authoritative", serverAddress: SERVER_IP, subnet: "10.61.0.0/24", gateway: "10.61.0.254", dns: [SERVER_IP],
      domain: "lab.test", leaseTimeSec: 600, pool: { start: "10.61.0.100", end: "10.61.0.150" },
      leaseFile: join(dir, "leases.json"), httpBase: HTTP,
      reservations: Object.entries(MACS).map(([k, mac]) => ({ mac, ip: IPS[k as keyof typeof IPS], hostname: `node-${k}` })),
    });
  });
  afterAll(async () => {
    await net.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function udhcpc(name: keyof typeof MACS, extra: string[]): Promise<Record<string, string>> {
    await net.exec(cli, ["ip", "link", "set", "eth0", "address", MACS[name]]);
    await net.exec(cli, ["env", `CLIENT=${name}`, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1",
      "-s", join(dir, "hook.sh"), ...extra], 20_000);
    return parseEnv(await readFile(join(dir, `${name}.bound.env`), "utf8"));
  }

  it.each([
    ["bios", ["-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000"], "undionly.kpxe"],
    ["uefi", ["-V", "PXEClient:Arch:00007:UNDI:003000", "-x", "0x5d:0007"], "ipxe.efi"],
    ["ipxe", ["-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000", "-x", "0x4d:69505845"], `${HTTP}/boot.ipxe?mac=52%3A54%3A00%3A61%3A00%3A03`],
  ] as const)("udhcpc as a %s client gets its reserved address, DNS and boot file", async (name, extra, bootFile) => {
    const env = await udhcpc(name, [...extra]);
    expect(env.ip).toBe(IPS[name]);
    expect(env.dns?.trim()).toBe(SERVER_IP);
    expect(env.router?.trim()).toBe("10.61.0.254");
    expect(env.hostname).toBe(`node-${name}`);
    expect(env.boot_file).toBe(bootFile);
    if (name !== "ipxe") expect(env.siaddr).toBe(SERVER_IP);
  });

  it("dhclient with a PXE vendor class and arch 7 gets its reserved address, DNS and the UEFI boot file", async () => {
    await net.exec(cli, ["ip", "link", "set", "eth0", "address", MACS.dhclient]);
    const conf = join(dir, "dhclient.conf");
    await writeFile(conf, [
      "option pxe-arch code 93 = unsigned integer 16;",
      'send vendor-class-identifier "PXEClient:Arch:00007:UNDI:003000";',
      "send pxe-arch 7;",
      "request subnet-mask, routers, domain-name-servers, domain-name, host-name;",
      "timeout 15;", "",
    ].join("\n"));
    await net.exec(cli, ["env", "CLIENT=dhclient", "dhclient", "-1", "-4", "-cf", conf, "-sf", join(dir, "hook.sh"),
      "-lf", join(dir, "dhclient.leases"), "-pf", join(dir, "dhclient.pid"), "eth0"], 30_000);
    const env = parseEnv(await readFile(join(dir, "dhclient.BOUND.env"), "utf8"));
    expect(env.new_ip_address).toBe(IPS.dhclient);
    expect(env.new_domain_name_servers).toBe(SERVER_IP);
    expect(env.new_host_name).toBe("node-dhclient");
    expect(env.new_filename).toBe("ipxe.efi");
    await net.exec(cli, ["dhclient", "-x", "-pf", join(dir, "dhclient.pid")]).catch(() => undefined);
  });

  it("wrote every ACKed lease to the lease file", async () => {
    // Snapshot plus journal, as the server would recover them (read only, the server still runs).
    const file = await readLeases(join(dir, "leases.json"), Date.now());
    expect(file.leases.map((l) => l.ip).sort()).toEqual(Object.values(IPS).filter((ip) => file.leases.some((l) => l.ip === ip)).sort());
    expect(file.leases.length).toBeGreaterThanOrEqual(4);
    expect(server.output()).toContain('"msg":"dhcp: ack"');
  });
});

/** A PXE-looking request built with our encoder, sent from inside a namespace by a tiny node script. */
function pxeRequest(type: number, mac: string, ciaddr = "0.0.0.0"): string {
  const p: DhcpPacket = {
    op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x4d4b0000 + type, secs: 0, flags: 0x8000, ciaddr, yiaddr: "0.0.0.0",
    siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: chaddrOf(mac), sname: "", file: "",
    options: [option(53, type), option(60, "PXEClient:Arch:00007:UNDI:003000"), option(93, [7])],
  };
  return encodePacket(p).toString("hex");
}

// Sends argv[1] (hex) to argv[2]:argv[3] from a socket on 0.0.0.0:68 and prints every reply (hex) for 1.5 s.
const PROBE = `
const s = require("node:dgram").createSocket({ type: "udp4", reuseAddr: true });
const [hex, host, port] = process.argv.slice(1);
s.on("message", (m) => process.stdout.write(m.toString("hex") + "\\n"));
s.bind(68, "0.0.0.0", () => { s.setBroadcast(true); s.send(Buffer.from(hex, "hex"), Number(port), host); setTimeout(() => s.close(), 1500); });
`;

async function probe(net: TestNet, ns: string, hex: string, host: string, port: number): Promise<DhcpPacket[]> {
  const out = await net.exec(ns, [process.execPath, "-e", PROBE, hex, host, String(port)], 10_000);
  return out.split("\n").filter(Boolean).map((h) => decodePacket(Buffer.from(h, "hex"))).flatMap((r) => (r.ok ? [r.packet] : []));
}

describe.skipIf(why)(`proxyDHCP beside dnsmasq, and relayed requests${why ? ` (skipped: ${why})` : ""}`, () => {
  const net = createTestNet("p");
  let dir = "";
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "mkdhcp-proxy-")); });
  afterAll(async () => {
    await net.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("dnsmasq hands out the address, our proxy hands out the boot file (on 67 and on 4011)", async () => {
    const srv = await net.netns("psrv");
    const cli = await net.netns("pcli");
    await net.veth({ ns: srv, ifname: "eth0", cidr: "10.62.0.1/24" }, { ns: cli, ifname: "eth0" });
    const dnsmasq = net.spawn(srv, ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=eth0",
      "--bind-interfaces", "--dhcp-range=10.62.0.100,10.62.0.150,255.255.255.0,1h", `--dhcp-leasefile=${dir}/dnsmasq.leases`,
      `--pid-file=${dir}/dnsmasq.pid`]);
    let dnsmasqLog = "";
    dnsmasq.stderr?.on("data", (d: Buffer) => { dnsmasqLog += d.toString(); });
    const proxy = await serve(net, srv, {
      mode: "proxy", serverAddress: "10.62.0.1", subnet: "10.62.0.0/24", httpBase: "http://10.62.0.1:8080", reservations: [],
    });
    // A plain (non-PXE) client: dnsmasq answers, the proxy must stay out of it.
    await net.exec(cli, ["ip", "link", "set", "eth0", "address", "52:54:00:62:00:01"]);
    const hook = join(dir, "hook.sh");
    await writeFile(hook, `#!/bin/sh\nenv > "${dir}/$1.env"\n`);
    await chmod(hook, 0o755);
    await net.exec(cli, ["busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", hook], 20_000);
    const env = parseEnv(await readFile(join(dir, "bound.env"), "utf8"));
    expect(env.ip, dnsmasqLog).toMatch(/^10\.62\.0\.(1[0-4]\d|150)$/);
    expect(env.boot_file ?? "").toBe("");
    await net.exec(cli, ["ip", "addr", "add", `${env.ip}/24`, "dev", "eth0"]);

    // The proxy heard the plain client but offered it nothing.
    expect(proxy.output()).toContain('"mac":"52:54:00:62:00:01"');
    expect(proxy.output()).not.toMatch(/proxy offer","mac":"52:54:00:62:00:01"/);

    // A PXE client's DISCOVER, broadcast on the link: the proxy offers the boot file and no address.
    const offers = await probe(net, cli, pxeRequest(1, "52:54:00:62:00:02"), "10.62.0.255", 67);
    const fromProxy = offers.filter((p) => p.yiaddr === "0.0.0.0");
    expect(fromProxy).toHaveLength(1);
    expect(fromProxy[0]?.file).toBe("ipxe.efi");
    expect(getOption(fromProxy[0]?.options ?? [], 60)).toBe("PXEClient");
    expect(getOption(fromProxy[0]?.options ?? [], 43)).toEqual(Buffer.from([6, 1, 8, 255]));

    // The PXE client then asks the proxy on 4011 with its new address: unicast ACK with the boot file.
    const acks = await probe(net, cli, pxeRequest(3, "52:54:00:62:00:02", env.ip), "10.62.0.1", 4011);
    const answers = acks.filter((p) => p.xid === 0x4d4b0003).map((p) => [getOption(p.options, 53), p.file, p.yiaddr]);
    expect(answers).toContainEqual([5, "ipxe.efi", "0.0.0.0"]);
    expect(proxy.output()).toContain('"msg":"dhcp: proxy ack"');
  });

  it("serves a client behind a real relay agent (dnsmasq --dhcp-relay): giaddr routing and the relay's subnet", async () => {
    const srv = await net.netns("rsrv");
    const rly = await net.netns("rrly");
    const cli = await net.netns("rcli");
    await net.veth({ ns: srv, ifname: "eth0", cidr: "10.63.0.1/24" }, { ns: rly, ifname: "eth1", cidr: "10.63.0.2/24" });
    await net.veth({ ns: rly, ifname: "eth0", cidr: "10.63.1.1/24" }, { ns: cli, ifname: "eth0" });
    await net.exec(srv, ["ip", "route", "add", "10.63.1.0/24", "via", "10.63.0.2"]);
    net.spawn(rly, ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces",
      "--dhcp-relay=10.63.1.1,10.63.0.1", `--pid-file=${dir}/relay.pid`, `--dhcp-leasefile=${dir}/relay.leases`]);
    const server = await serve(net, srv, {
      mode: "authoritative", serverAddress: "10.63.0.1", subnet: "10.63.1.0/24", gateway: "10.63.1.1", dns: ["10.63.0.1"],
      pool: { start: "10.63.1.100", end: "10.63.1.150" }, httpBase: "http://10.63.0.1:8080",
      reservations: [{ mac: "52:54:00:63:00:01", ip: "10.63.1.60", hostname: "racked" }],
    });
    await net.exec(cli, ["ip", "link", "set", "eth0", "address", "52:54:00:63:00:01"]);
    const hook = join(dir, "relay-hook.sh");
    await writeFile(hook, `#!/bin/sh\nenv > "${dir}/relay.$1.env"\n`);
    await chmod(hook, 0o755);
    await net.exec(cli, ["busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", hook,
      "-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000"], 20_000);
    const env = parseEnv(await readFile(join(dir, "relay.bound.env"), "utf8"));
    expect(env.ip).toBe("10.63.1.60");
    expect(env.router?.trim()).toBe("10.63.1.1");
    expect(env.subnet).toBe("255.255.255.0");
    expect(env.boot_file).toBe("undionly.kpxe");
    expect(server.output()).toMatch(/"msg":"seen","facts":\{[^}]*"relay":"10\.63\.1\.1"/);
  });
});
