import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decideBootFile, type MachineFacts } from "../../boot/pxe.js";
import { MessageType, Opt } from "./_constants.js";
import { getOption, option, type DhcpOption } from "./_options.js";
import { chaddrOf, decodePacket, encodePacket, type DhcpPacket } from "./_packet.js";
import { readLeases } from "./_lease-read.js";
import { createDhcpServer } from "./_server.js";
import type { DhcpPolicy, DhcpServerOptions, HostAnswer, Logger } from "./_types.js";

const LO = "127.0.0.1";
const RESERVED = { mac: "52:54:00:00:00:01", ip: "127.0.0.50", hostname: "node1" };

function fakeLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (msg: string) => { lines.push(`${level} ${msg}`); };
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function policy(seen: MachineFacts[] = [], over: Partial<Record<string, HostAnswer>> = {}): DhcpPolicy {
  return {
    lookup: (f) => over[f.mac] ?? (f.mac === RESERVED.mac ? { allow: true, ip: RESERVED.ip, hostname: RESERVED.hostname } : { allow: true }),
    boot: (f) => decideBootFile(f, { tftpServer: LO, httpBase: "http://127.0.0.1:8080" }),
    onSeen: (f) => seen.push(f),
    isReserved: (ip) => ip === RESERVED.ip,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function udp(): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, LO, () => r()));
  cleanups.push(() => new Promise((r) => s.close(() => r())));
  return s;
}

/** A loopback server with an injected clock, plus a client socket where "broadcast" replies land. */
async function setup(over: Partial<DhcpServerOptions> = {}) {
  const client = await udp();
  const relay = await udp();
  const clock = { t: 1_700_000_000_000, now() { return this.t; } };
  const logger = fakeLogger();
  const seen: MachineFacts[] = [];
  const server = createDhcpServer({
    mode: "authoritative", serverAddress: LO, bindAddress: LO, subnet: "127.0.0.0/8", gateway: "127.0.0.254",
    dns: ["127.0.0.53"], domain: "lab.test", leaseTimeSec: 600, pool: { start: "127.0.0.10", end: "127.0.0.12" },
    port: 0, clientPort: client.address().port, relayPort: relay.address().port, broadcastAddress: LO,
    logger, clock, policy: policy(seen), ...over,
  });
  const { port, proxyPort } = await server.start();
  cleanups.push(() => server.close());
  let xid = 1;
  async function exchange(p: { type: number; mac: string; options?: DhcpOption[]; ciaddr?: string; giaddr?: string; to?: number; via?: Socket; wait?: number }): Promise<DhcpPacket | undefined> {
    const via = p.via ?? client;
    const id = xid++;
    const req: DhcpPacket = {
      op: 1, htype: 1, hlen: 6, hops: 0, xid: id, secs: 0, flags: 0, ciaddr: p.ciaddr ?? "0.0.0.0", yiaddr: "0.0.0.0",
      siaddr: "0.0.0.0", giaddr: p.giaddr ?? "0.0.0.0", chaddr: chaddrOf(p.mac), sname: "", file: "",
      options: [option(Opt.MESSAGE_TYPE, p.type), ...(p.options ?? [])],
    };
    const reply = new Promise<DhcpPacket | undefined>((resolve) => {
      const timer = setTimeout(() => { via.off("message", on); resolve(undefined); }, p.wait ?? 1000);
      function on(msg: Buffer) {
        const r = decodePacket(msg);
        if (r.ok && r.packet.xid === id) { clearTimeout(timer); via.off("message", on); resolve(r.packet); }
      }
      via.on("message", on);
    });
    via.send(encodePacket(req), p.to ?? port ?? 0, LO);
    return reply;
  }
  async function dora(mac: string, options: DhcpOption[] = []): Promise<DhcpPacket | undefined> {
    const offer = await exchange({ type: MessageType.DISCOVER, mac, options });
    if (!offer) return undefined;
    return exchange({ type: MessageType.REQUEST, mac, options: [option(Opt.SERVER_ID, LO), option(Opt.REQUESTED_IP, offer.yiaddr), ...options] });
  }
  return { server, client, relay, clock, logger, seen, exchange, dora, port, proxyPort };
}

const type = (p: DhcpPacket | undefined) => (p ? getOption(p.options, Opt.MESSAGE_TYPE) : undefined);
const biosPxe = [option(Opt.VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001"), option(Opt.CLIENT_ARCH, [0])];

describe("authoritative DHCP server over loopback", () => {
  it("runs DISCOVER/OFFER/REQUEST/ACK with network options and the BIOS boot file", async () => {
    const t = await setup();
    const offer = await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:01", options: [...biosPxe, option(Opt.PARAM_REQUEST, [6, 3, 1])] });
    expect(type(offer)).toBe(MessageType.OFFER);
    expect(offer?.yiaddr).toBe("127.0.0.10");
    expect(offer?.options.slice(2, 5).map((o) => o.code)).toEqual([6, 3, 1]); // option 55 order honored
    const ack = await t.exchange({ type: MessageType.REQUEST, mac: "52:54:00:aa:00:01", options: [...biosPxe, option(Opt.SERVER_ID, LO), option(Opt.REQUESTED_IP, "127.0.0.10")] });
    expect(type(ack)).toBe(MessageType.ACK);
    expect(ack?.yiaddr).toBe("127.0.0.10");
    expect(ack?.file).toBe("undionly.kpxe");
    expect(ack?.siaddr).toBe(LO);
    const o = ack?.options ?? [];
    expect([getOption(o, 1), getOption(o, 3), getOption(o, 6), getOption(o, 15), getOption(o, 54)]).toEqual(["255.0.0.0", ["127.0.0.254"], ["127.0.0.53"], "lab.test", LO]);
    expect([getOption(o, 51), getOption(o, 58), getOption(o, 59)]).toEqual([600, 300, 525]);
    expect([getOption(o, 60), getOption(o, 43)]).toEqual(["PXEClient", Buffer.from([6, 1, 8, 255])]);
    expect(t.seen[0]).toMatchObject({ mac: "52:54:00:aa:00:01", arch: 0, ipxe: false });
    expect(t.server.stats()).toMatchObject({ "rx.DISCOVER": 1, "tx.OFFER": 1, "rx.REQUEST": 1, "tx.ACK": 1, "pool.bound": 1 });
  });

  it("gives a reservation its address and host name, and NAKs it a wrong address (INIT-REBOOT)", async () => {
    const t = await setup();
    const ack = await t.dora(RESERVED.mac);
    expect(ack?.yiaddr).toBe(RESERVED.ip);
    expect(getOption(ack?.options ?? [], Opt.HOSTNAME)).toBe("node1");
    const nak = await t.exchange({ type: MessageType.REQUEST, mac: RESERVED.mac, options: [option(Opt.REQUESTED_IP, "127.0.0.11")] });
    expect(type(nak)).toBe(MessageType.NAK);
    expect(nak?.yiaddr).toBe("0.0.0.0");
    const wrongNet = await t.exchange({ type: MessageType.REQUEST, mac: "52:54:00:aa:00:02", options: [option(Opt.REQUESTED_IP, "10.9.9.9")] });
    expect(type(wrongNet)).toBe(MessageType.NAK);
  });

  it("stays silent when option 54 names another server, and withdraws its offer", async () => {
    const t = await setup({ pool: { start: "127.0.0.10", end: "127.0.0.10" } });
    const offer = await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:03" });
    expect(offer?.yiaddr).toBe("127.0.0.10");
    const none = await t.exchange({ type: MessageType.REQUEST, mac: "52:54:00:aa:00:03", options: [option(Opt.SERVER_ID, "127.0.0.99"), option(Opt.REQUESTED_IP, "127.0.0.10")], wait: 300 });
    expect(none).toBeUndefined();
    expect(t.server.stats()["drop.other-server"]).toBe(1);
    expect((await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:04" }))?.yiaddr).toBe("127.0.0.10");
  });

  it("frees an address on RELEASE", async () => {
    const t = await setup({ pool: { start: "127.0.0.10", end: "127.0.0.10" } });
    expect((await t.dora("52:54:00:aa:00:05"))?.yiaddr).toBe("127.0.0.10");
    expect(await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:06", wait: 300 })).toBeUndefined();
    await t.exchange({ type: MessageType.RELEASE, mac: "52:54:00:aa:00:05", ciaddr: "127.0.0.10", options: [option(Opt.SERVER_ID, LO)], wait: 100 });
    expect((await t.dora("52:54:00:aa:00:06"))?.yiaddr).toBe("127.0.0.10");
  });

  it("quarantines a DECLINEd address until the hold time passes", async () => {
    const t = await setup({ declineHoldMs: 60_000 });
    const ack = await t.dora("52:54:00:aa:00:07");
    expect(ack?.yiaddr).toBe("127.0.0.10");
    await t.exchange({ type: MessageType.DECLINE, mac: "52:54:00:aa:00:07", options: [option(Opt.SERVER_ID, LO), option(Opt.REQUESTED_IP, "127.0.0.10")], wait: 100 });
    expect(t.server.stats()["pool.declined"]).toBe(1);
    expect((await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:07" }))?.yiaddr).toBe("127.0.0.11");
    t.clock.t += 61_000;
    expect((await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:08", options: [option(Opt.REQUESTED_IP, "127.0.0.10")] }))?.yiaddr).toBe("127.0.0.10");
  });

  it("answers INFORM with parameters but no address or lease, unicast to ciaddr", async () => {
    const t = await setup();
    const ack = await t.exchange({ type: MessageType.INFORM, mac: "52:54:00:aa:00:09", ciaddr: LO });
    expect(type(ack)).toBe(MessageType.ACK);
    expect(ack?.yiaddr).toBe("0.0.0.0");
    expect(ack?.ciaddr).toBe(LO);
    expect(getOption(ack?.options ?? [], Opt.LEASE_TIME)).toBeUndefined();
    expect(getOption(ack?.options ?? [], Opt.DNS)).toEqual(["127.0.0.53"]);
  });

  it("survives pool exhaustion: no offer, a counter and a warning, reservations still served", async () => {
    const t = await setup({ pool: { start: "127.0.0.10", end: "127.0.0.10" } });
    expect((await t.dora("52:54:00:aa:00:0a"))?.yiaddr).toBe("127.0.0.10");
    expect(await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:0b", wait: 300 })).toBeUndefined();
    expect(t.server.stats()["drop.exhausted"]).toBe(1);
    expect(t.logger.lines.some((l) => l.startsWith("warn dhcp: pool exhausted"))).toBe(true);
    expect((await t.dora(RESERVED.mac))?.yiaddr).toBe(RESERVED.ip);
  });

  it("cannot be starved by a flood of random MACs: offers stay bounded, the reservation is answered", async () => {
    const t = await setup({ pool: { start: "127.0.0.10", end: "127.0.1.255" }, maxOffers: 64 });
    for (let i = 0; i < 2000; i++) {
      const mac = `02:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}:ff`;
      // Relayed, so the flood's offers land on the relay socket and not in the client's receive buffer.
      t.relay.send(encodePacket({ op: 1, htype: 1, hlen: 6, hops: 0, xid: 0xf000 + i, secs: 0, flags: 0, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: LO, chaddr: chaddrOf(mac), sname: "", file: "", options: [option(53, 1)] }), t.port ?? 0, LO);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    // The kernel drops what overflows the socket buffer during the burst; like a real client, retry.
    let offer: DhcpPacket | undefined;
    for (let attempt = 0; attempt < 8 && !offer; attempt++) offer = await t.exchange({ type: MessageType.DISCOVER, mac: RESERVED.mac, wait: 500 });
    expect(offer?.yiaddr).toBe(RESERVED.ip);
    const s = t.server.stats();
    expect(s["rx.DISCOVER"]).toBeGreaterThan(500);
    expect(s["pool.offered"]).toBeLessThanOrEqual(64);
  });

  it("relays: giaddr set -> reply to giaddr on the relay port, option 82 echoed unchanged and last", async () => {
    const t = await setup({ subnet: "127.0.0.0/8" });
    const agent = Buffer.from([1, 4, 0x65, 0x74, 0x68, 0x31, 2, 2, 0xab, 0xcd]);
    const offer = await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:0c", giaddr: LO, via: t.relay, options: [{ code: 82, data: agent }] });
    expect(type(offer)).toBe(MessageType.OFFER);
    expect(offer?.giaddr).toBe(LO);
    expect(offer?.options.at(-1)).toEqual({ code: 82, data: agent });
    expect(t.seen.at(-1)?.relay).toBe(LO);
  });

  it("counts and drops malformed packets", async () => {
    const t = await setup();
    t.client.send(Buffer.from("not dhcp"), t.port ?? 0, LO);
    t.client.send(Buffer.alloc(300), t.port ?? 0, LO);
    expect((await t.dora("52:54:00:aa:00:0d"))?.yiaddr).toBe("127.0.0.10"); // still serving
    expect(t.server.stats()).toMatchObject({ "drop.short": 1, "drop.op": 1 });
  });

  it("does not answer a machine the policy refuses (enroll ignore/discover), but reports it seen", async () => {
    const seen: MachineFacts[] = [];
    const t = await setup({ policy: policy(seen, { "52:54:00:aa:00:0e": { allow: false } }) });
    expect(await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:0e", wait: 300 })).toBeUndefined();
    expect(seen.map((f) => f.mac)).toEqual(["52:54:00:aa:00:0e"]);
    expect(t.server.stats()["drop.not-allowed"]).toBe(1);
  });

  // A synchronous answer is used as is, a promise is awaited: both must work.
  it("serves through a policy that answers with promises", async () => {
    const sync = policy();
    const t = await setup({ policy: { ...sync, lookup: async (f) => sync.lookup(f), boot: async (f) => sync.boot(f) } });
    const ack = await t.dora(RESERVED.mac, biosPxe);
    expect([ack?.yiaddr, getOption(ack?.options ?? [], Opt.HOSTNAME), ack?.file]).toEqual([RESERVED.ip, "node1", "undionly.kpxe"]);
  });

  it("keeps leases across a restart through the lease file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mkdhcp-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const leaseFile = join(dir, "leases.json");
    const one = { pool: { start: "127.0.0.10", end: "127.0.0.10" }, leaseFile };
    const a = await setup(one);
    expect((await a.dora("52:54:00:aa:00:0f"))?.yiaddr).toBe("127.0.0.10");
    // The ACK came after one journal write (not a rewrite of the lease file).
    expect(a.server.stats()).toMatchObject({ "pool.journal.writes": 1, "pool.journal.records": 1, "pool.journal.compactions": 0 });
    await a.server.close();
    expect((await readLeases(leaseFile, a.clock.now())).leases).toMatchObject([{ mac: "52:54:00:aa:00:0f", ip: "127.0.0.10", state: "bound" }]);
    const b = await setup(one);
    expect(await b.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:10", wait: 300 })).toBeUndefined();
    expect((await b.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:aa:00:0f" }))?.yiaddr).toBe("127.0.0.10");
  });
});

describe("proxyDHCP over loopback", () => {
  it("offers boot info without an address to PXE clients on 67, ACKs on 4011, ignores others", async () => {
    const t = await setup({ mode: "proxy", proxyPort: 0 });
    const efi = [option(Opt.VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003000"), option(Opt.CLIENT_ARCH, [7])];
    const offer = await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:bb:00:01", options: efi });
    expect(type(offer)).toBe(MessageType.OFFER);
    expect(offer?.yiaddr).toBe("0.0.0.0");
    expect(offer?.file).toBe("ipxe.efi");
    expect(getOption(offer?.options ?? [], Opt.VENDOR_CLASS)).toBe("PXEClient");
    expect(getOption(offer?.options ?? [], Opt.LEASE_TIME)).toBeUndefined();
    const ack = await t.exchange({ type: MessageType.REQUEST, mac: "52:54:00:bb:00:01", options: efi, ciaddr: LO, to: t.proxyPort ?? 0 });
    expect(type(ack)).toBe(MessageType.ACK);
    expect(ack?.file).toBe("ipxe.efi");
    expect(await t.exchange({ type: MessageType.DISCOVER, mac: "52:54:00:bb:00:02", wait: 300 })).toBeUndefined();
    expect(t.server.stats()["drop.not-pxe"]).toBe(1);
  });

  it("binds nothing in mode off", async () => {
    const t = createDhcpServer({ mode: "off", serverAddress: LO, subnet: "127.0.0.0/8", logger: fakeLogger(), clock: Date, policy: policy() });
    expect(await t.start()).toEqual({});
    await t.close();
  });
});
