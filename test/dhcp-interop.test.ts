// Interop with real DHCP clients and a real peer server, in network namespaces: busybox udhcpc and
// ISC dhclient against our server; our proxyDHCP beside dnsmasq. The server runs as a separate
// process inside the server namespace (test/fixtures/dhcp-serve.ts through tsx).
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    const file = JSON.parse(await readFile(join(dir, "leases.json"), "utf8")) as { leases: { mac: string; ip: string }[] };
    expect(file.leases.map((l) => l.ip).sort()).toEqual(Object.values(IPS).filter((ip) => file.leases.some((l) => l.ip === ip)).sort());
    expect(file.leases.length).toBeGreaterThanOrEqual(4);
  });
});
