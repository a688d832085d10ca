// The DHCP conversation (RFC 2131 section 4.3) and proxyDHCP (PXE 2.1): request in, reply and
// destination out. No sockets: the server adapter feeds it datagrams and sends what it returns.
import type { MachineFacts } from "../../boot/pxe.js";
import { isHttpClient, isPxeClient } from "../../boot/pxe.js";
import { BOOTREQUEST, MESSAGE_TYPE_NAMES, MessageType, Opt } from "./_constants.js";
import { getOption, option } from "./_options.js";
import { decodePacket, type DhcpPacket } from "./_packet.js";
import { parseIpv4 } from "../../model/ipv4.js";
import type { LeasePool } from "./_pool.js";
import type { LeaseStore } from "./_lease-store.js";
import { applyBoot, destinationOf, factsOf, finishOptions, leaseOptions, netOptions, replyTo, type Destination, type NetParams } from "./_reply.js";
import type { DhcpMode, DhcpPolicy, Logger } from "./_types.js";

/** A reply ready to encode and send. */
export interface Outgoing { readonly packet: DhcpPacket; readonly to: Destination; readonly maxSize?: number }

/** Everything the handler needs; built once by the server. */
export interface HandlerContext {
  readonly mode: Exclude<DhcpMode, "off">;
  readonly net: NetParams;
  readonly network: { readonly base: number; readonly mask: number };
  readonly leaseSec: number;
  readonly pool?: LeasePool;
  readonly store?: LeaseStore;
  readonly policy: DhcpPolicy;
  readonly logger: Logger;
  readonly ports: { client: number; relay: number; broadcast: string };
  readonly count: (key: string) => void;
}

/** Handles one datagram from `from`; `via` is the socket kind it arrived on. */
export async function handleDatagram(ctx: HandlerContext, buf: Buffer, from: Destination, via: "dhcp" | "proxy"): Promise<Outgoing | undefined> {
  const decoded = decodePacket(buf);
  if (!decoded.ok) {
    ctx.count(`drop.${decoded.error.code}`);
    ctx.logger.debug("dhcp: malformed packet dropped", { from: from.address, reason: decoded.error.message });
    return undefined;
  }
  const req = decoded.packet;
  const type = getOption(req.options, Opt.MESSAGE_TYPE);
  if (req.op !== BOOTREQUEST) return drop(ctx, "not-request");
  if (type === undefined || !MESSAGE_TYPE_NAMES[type]) return drop(ctx, "no-message-type");
  ctx.count(RX_KEYS[type]!);
  // No SO_BINDTODEVICE in node: accept only unconfigured clients, our subnet, or relayed requests.
  if (req.giaddr === "0.0.0.0" && from.address !== "0.0.0.0" && !inSubnet(ctx, from.address)) return drop(ctx, "foreign-subnet");
  const facts = factsOf(req);
  try { ctx.policy.onSeen?.(facts); } catch (err) { ctx.logger.warn("dhcp: onSeen failed", { err: String(err) }); }
  const out = ctx.mode === "proxy" ? await proxy(ctx, req, type, facts, from, via) : await authoritative(ctx, req, type, facts);
  if (!out) return undefined;
  finishOptions(out.packet, req);
  const maxSize = getOption(req.options, Opt.MAX_SIZE);
  return maxSize === undefined ? out : { packet: out.packet, to: out.to, maxSize };
}

// Counter names per message type, built once rather than per packet.
const RX_KEYS = keysFor("rx");
const TX_KEYS = keysFor("tx");
function keysFor(dir: string): string[] {
  return Array.from({ length: 256 }, (_, t) => `${dir}.${MESSAGE_TYPE_NAMES[t] ?? t}`);
}

function drop(ctx: HandlerContext, why: string): undefined {
  ctx.count(`drop.${why}`);
  return undefined;
}

function inSubnet(ctx: HandlerContext, ip: string): boolean {
  const n = parseIpv4(ip);
  return n !== undefined && ((n & ctx.network.mask) >>> 0) === ctx.network.base;
}

async function authoritative(ctx: HandlerContext, req: DhcpPacket, type: number, facts: MachineFacts): Promise<Outgoing | undefined> {
  const pool = ctx.pool;
  if (!pool) return drop(ctx, "no-pool");
  const serverId = getOption(req.options, Opt.SERVER_ID);
  const requested = getOption(req.options, Opt.REQUESTED_IP);
  const { mac } = facts;
  if (serverId && serverId !== ctx.net.serverAddress) {
    // RFC 2131 section 4.3.2: the client chose another server; free our offer and stay silent.
    if (type === MessageType.REQUEST) pool.withdraw(mac);
    return drop(ctx, "other-server");
  }
  if (type === MessageType.RELEASE) {
    if (pool.release(mac, req.ciaddr)) await commit(ctx, "release");
    ctx.logger.info("dhcp: released", { mac, ip: req.ciaddr });
    return undefined;
  }
  if (type === MessageType.DECLINE) {
    if (requested) {
      pool.decline(mac, requested);
      ctx.logger.warn("dhcp: address declined (in use on the wire?); quarantined", { mac, ip: requested });
      await commit(ctx, "decline");
    }
    return undefined;
  }
  const looked = ctx.policy.lookup(facts);
  const host = isPromise(looked) ? await looked : looked;
  if (!host.allow) return drop(ctx, "not-allowed");
  const hostname = host.hostname ?? pool.leaseOf(mac)?.hostname;
  const decided = ctx.policy.boot(facts);
  const bootAnswer = isPromise(decided) ? await decided : decided;

  if (type === MessageType.DISCOVER) {
    const got = pool.offer(mac, { reservedIp: host.ip, requestedIp: requested });
    if ("error" in got) {
      ctx.logger.warn("dhcp: pool exhausted, no offer", { mac, counts: pool.counts() });
      return drop(ctx, "exhausted");
    }
    const reply = replyTo(req, MessageType.OFFER, ctx.net.serverAddress, got.ip);
    reply.options.push(...leaseOptions(ctx.leaseSec), ...netOptions(ctx.net, hostname));
    applyBoot(reply, bootAnswer, ctx.net.serverAddress);
    ctx.logger.info("dhcp: offer", { mac, ip: got.ip, boot: bootAnswer?.reason });
    return send(ctx, req, reply);
  }
  if (type === MessageType.INFORM) {
    // RFC 2131 section 4.3.5: parameters only; no lease time, no yiaddr.
    const reply = replyTo(req, MessageType.ACK, ctx.net.serverAddress);
    reply.options.push(...netOptions(ctx.net, hostname));
    applyBoot(reply, bootAnswer, ctx.net.serverAddress);
    return send(ctx, req, reply);
  }
  if (type !== MessageType.REQUEST) return drop(ctx, "unexpected-type");

  // SELECTING (server id + requested), INIT-REBOOT (requested, no ciaddr), RENEWING/REBINDING (ciaddr).
  const ip = serverId || req.ciaddr === "0.0.0.0" ? requested : req.ciaddr;
  if (!ip) return drop(ctx, "request-without-address");
  if (!inSubnet(ctx, ip) || !pool.canBind(mac, ip, host.ip)) {
    const nak = replyTo(req, MessageType.NAK, ctx.net.serverAddress);
    nak.options.push(option(Opt.MESSAGE, `address ${ip} is not available to ${mac}`));
    ctx.logger.info("dhcp: nak", { mac, ip, reserved: host.ip });
    return send(ctx, req, nak);
  }
  const lease = pool.bind(mac, ip, ctx.leaseSec, hostname);
  // The ACK goes out only once the lease is durable: a crash after it must not lose the address.
  if (!(await commit(ctx, "bind"))) return drop(ctx, "lease-not-durable");
  const reply = replyTo(req, MessageType.ACK, ctx.net.serverAddress, lease.ip);
  reply.options.push(...leaseOptions(ctx.leaseSec), ...netOptions(ctx.net, hostname));
  applyBoot(reply, bootAnswer, ctx.net.serverAddress);
  ctx.logger.info("dhcp: ack", { mac, ip, boot: bootAnswer?.reason });
  return send(ctx, req, reply);
}

async function proxy(ctx: HandlerContext, req: DhcpPacket, type: number, facts: MachineFacts, from: Destination, via: "dhcp" | "proxy"): Promise<Outgoing | undefined> {
  // PXE 2.1 section 2.2.3: a proxyDHCP server answers only PXE clients, never with an address.
  if (!isPxeClient(facts.vendorClass) && !isHttpClient(facts.vendorClass)) return drop(ctx, "not-pxe");
  if (via === "dhcp" && type !== MessageType.DISCOVER) return drop(ctx, "proxy-ignores");
  if (via === "proxy" && type !== MessageType.REQUEST && type !== MessageType.INFORM) return drop(ctx, "proxy-ignores");
  const host = await ctx.policy.lookup(facts);
  if (!host.allow) return drop(ctx, "not-allowed");
  const boot = await ctx.policy.boot(facts);
  if (!boot?.file) {
    ctx.logger.info("dhcp: proxy has no boot file", { mac: facts.mac, reason: boot?.reason });
    return drop(ctx, "no-boot-file");
  }
  const reply = replyTo(req, via === "dhcp" ? MessageType.OFFER : MessageType.ACK, ctx.net.serverAddress);
  reply.ciaddr = "0.0.0.0";
  applyBoot(reply, { ...boot, vendorClass: boot.vendorClass ?? "PXEClient" }, ctx.net.serverAddress);
  ctx.logger.info(`dhcp: proxy ${via === "dhcp" ? "offer" : "ack"}`, { mac: facts.mac, boot: boot.reason });
  // Port 4011 requests are unicast from a configured client: answer where they came from.
  if (via === "proxy" && req.giaddr === "0.0.0.0") return count(ctx, { packet: reply, to: from });
  return send(ctx, req, reply);
}

function send(ctx: HandlerContext, req: DhcpPacket, reply: DhcpPacket): Outgoing {
  return count(ctx, { packet: reply, to: destinationOf(req, reply, ctx.ports) });
}

function count(ctx: HandlerContext, out: Outgoing): Outgoing {
  ctx.count(TX_KEYS[getOption(out.packet.options, Opt.MESSAGE_TYPE) ?? 0]!);
  return out;
}

/** True for a promise: a policy that answers synchronously is not awaited (an await costs a
 * promise and a trip through the microtask queue per request). */
function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}

async function commit(ctx: HandlerContext, what: string): Promise<boolean> {
  if (!ctx.store) return true;
  try {
    await ctx.store.commit();
    return true;
  } catch (err) {
    ctx.logger.error(`dhcp: lease write failed after ${what}`, { err: (err as Error).message });
    ctx.count("error.lease-write");
    return false;
  }
}
