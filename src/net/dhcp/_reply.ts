// Pure pieces of answering: facts from a request, reply skeletons with ordered options, boot info,
// and where a reply goes (RFC 2131 section 4.1).
import type { BootAnswer, MachineFacts } from "../../boot/pxe.js";
import { BOOTREPLY, CLIENT_PORT, MessageType, Opt, SERVER_PORT } from "./_constants.js";
import { findOption, getOption, option, type DhcpOption } from "./_options.js";
import { macOf, type DhcpPacket } from "./_packet.js";

/** Network parameters every reply carries. */
export interface NetParams {
  readonly serverAddress: string;
  readonly subnetMask: string;
  readonly broadcast: string;
  readonly gateway?: string;
  readonly dns: readonly string[];
  readonly domain?: string;
}

/** Where a reply is sent. */
export interface Destination { readonly address: string; readonly port: number }

/** Machine facts from a request's options (60, 77, 93, 97, 12) and giaddr. */
export function factsOf(req: DhcpPacket): MachineFacts {
  const userClass = getOption(req.options, Opt.USER_CLASS);
  const arch = getOption(req.options, Opt.CLIENT_ARCH)?.[0];
  const vendorClass = getOption(req.options, Opt.VENDOR_CLASS);
  const uuid = getOption(req.options, Opt.CLIENT_UUID)?.guid;
  const hostname = getOption(req.options, Opt.HOSTNAME);
  // Keys only for what was sent, set one by one (object spreads cost a temporary object each, per packet).
  const facts: { -readonly [K in keyof MachineFacts]: MachineFacts[K] } = { mac: macOf(req), ipxe: userClass?.includes("iPXE") ?? false };
  if (arch !== undefined) facts.arch = arch;
  if (vendorClass) facts.vendorClass = vendorClass;
  if (userClass) facts.userClass = userClass;
  if (uuid) facts.uuid = uuid;
  if (hostname) facts.hostname = hostname;
  if (req.giaddr !== "0.0.0.0") facts.relay = req.giaddr;
  return facts;
}

/** Options that only depend on a value (message types, server id, boot file names), encoded once.
 * Sharing is safe: nothing writes into an option's data; the encoder copies it. */
const MAX_CACHED = 256;
const typeOptions = new Map<number, DhcpOption>();
const valueOptions = new Map<string, DhcpOption>();
function cachedOption(code: typeof Opt.SERVER_ID | typeof Opt.TFTP_SERVER | typeof Opt.BOOTFILE | typeof Opt.VENDOR_CLASS, value: string): DhcpOption {
  const key = `${code} ${value}`;
  let got = valueOptions.get(key);
  if (!got) {
    got = option(code, value);
    if (valueOptions.size >= MAX_CACHED) valueOptions.clear(); // a bound, not an LRU: boot files and servers are few
    valueOptions.set(key, got);
  }
  return got;
}
function typeOption(type: MessageType): DhcpOption {
  let got = typeOptions.get(type);
  if (!got) typeOptions.set(type, (got = option(Opt.MESSAGE_TYPE, type)));
  return got;
}

/** A BOOTREPLY to req with the header fields copied as RFC 2131 table 3 says. */
export function replyTo(req: DhcpPacket, type: MessageType, serverAddress: string, yiaddr = "0.0.0.0"): DhcpPacket {
  return {
    op: BOOTREPLY, htype: req.htype, hlen: req.hlen, hops: 0, xid: req.xid, secs: 0, flags: req.flags,
    ciaddr: type === MessageType.ACK || type === MessageType.OFFER ? req.ciaddr : "0.0.0.0",
    yiaddr, siaddr: "0.0.0.0", giaddr: req.giaddr, chaddr: req.chaddr, sname: "", file: "",
    options: [typeOption(type), cachedOption(Opt.SERVER_ID, serverAddress)],
  };
}

const plainNet = new WeakMap<NetParams, readonly DhcpOption[]>();
const leaseCache = new Map<number, readonly DhcpOption[]>();

/** Adds the network options: mask, router, DNS, domain, broadcast, hostname (encoded once per net without one). */
export function netOptions(net: NetParams, hostname: string | undefined): readonly DhcpOption[] {
  if (hostname) return encodeNet(net, hostname);
  let got = plainNet.get(net);
  if (!got) plainNet.set(net, (got = encodeNet(net, undefined)));
  return got;
}

function encodeNet(net: NetParams, hostname: string | undefined): DhcpOption[] {
  return [
    option(Opt.SUBNET_MASK, net.subnetMask),
    ...(net.gateway ? [option(Opt.ROUTER, [net.gateway])] : []),
    ...(net.dns.length ? [option(Opt.DNS, [...net.dns])] : []),
    ...(hostname ? [option(Opt.HOSTNAME, hostname)] : []),
    ...(net.domain ? [option(Opt.DOMAIN, net.domain)] : []),
    option(Opt.BROADCAST, net.broadcast),
  ];
}

/** Lease time with renewal (T1 = 50 %) and rebinding (T2 = 87.5 %) per RFC 2131 section 4.4.5. */
export function leaseOptions(leaseSec: number): readonly DhcpOption[] {
  let got = leaseCache.get(leaseSec);
  if (!got) {
    got = [option(Opt.LEASE_TIME, leaseSec), option(Opt.RENEWAL_TIME, Math.floor(leaseSec / 2)), option(Opt.REBINDING_TIME, Math.floor((leaseSec * 7) / 8))];
    if (leaseCache.size < 64) leaseCache.set(leaseSec, got);
  }
  return got;
}

/** PXE 2.1 section 2.4 vendor option 43: PXE_DISCOVERY_CONTROL (6) = 8, "boot from the file in this offer". */
export const PXE_SKIP_DISCOVERY = Buffer.from([6, 1, 8, 255]);

/** Writes the boot answer into reply: file, siaddr, options 66/67, vendor class and PXE option 43. */
export function applyBoot(reply: DhcpPacket, boot: BootAnswer | undefined, serverAddress: string): void {
  if (!boot?.file) return;
  // 'file' is 128 octets; longer URLs travel only in option 67.
  reply.file = Buffer.byteLength(boot.file, "latin1") < 128 ? boot.file : "";
  reply.siaddr = boot.nextServer ?? serverAddress;
  if (boot.nextServer) reply.options.push(cachedOption(Opt.TFTP_SERVER, boot.nextServer));
  reply.options.push(cachedOption(Opt.BOOTFILE, boot.file));
  if (boot.vendorClass) reply.options.push(cachedOption(Opt.VENDOR_CLASS, boot.vendorClass));
  if (boot.vendorClass === "PXEClient") reply.options.push({ code: Opt.VENDOR_SPECIFIC, data: PXE_SKIP_DISCOVERY });
}

/** Orders reply options: 53 and 54 first, then the client's option 55 order, then the rest, option 82 last (RFC 3046). */
export function finishOptions(reply: DhcpPacket, req: DhcpPacket): void {
  const prl = findOption(req.options, Opt.PARAM_REQUEST)?.data;
  const opts = reply.options;
  const ranks = opts.map((o) => rankOf(o.code, prl));
  // Insertion sort (stable), ranks moved along: a reply has a dozen options.
  for (let i = 1; i < opts.length; i++) {
    const o = opts[i]!;
    const r = ranks[i]!;
    let j = i - 1;
    for (; j >= 0 && ranks[j]! > r; j--) { opts[j + 1] = opts[j]!; ranks[j + 1] = ranks[j]!; }
    opts[j + 1] = o;
    ranks[j + 1] = r;
  }
  // RFC 3046 section 2.2: the server copies option 82 into its reply unchanged.
  const relay = findOption(req.options, Opt.RELAY_AGENT);
  if (relay && req.giaddr !== "0.0.0.0") opts.push(relay);
}

function rankOf(code: number, prl: Buffer | undefined): number {
  if (code === Opt.MESSAGE_TYPE) return -2;
  if (code === Opt.SERVER_ID) return -1;
  const i = prl ? prl.indexOf(code) : -1;
  return i >= 0 ? i : 1000 + code;
}

/** Where a reply goes, per RFC 2131 section 4.1 (broadcast where unicast to yiaddr would need an ARP entry). */
export function destinationOf(req: DhcpPacket, reply: DhcpPacket, ports: { client: number; relay: number; broadcast: string }): Destination {
  if (req.giaddr !== "0.0.0.0") return { address: req.giaddr, port: ports.relay };
  const type = getOption(reply.options, Opt.MESSAGE_TYPE);
  if (type === MessageType.NAK) return { address: ports.broadcast, port: ports.client };
  if (req.ciaddr !== "0.0.0.0") return { address: req.ciaddr, port: ports.client };
  return { address: ports.broadcast, port: ports.client };
}

/** Default client and relay ports and the limited broadcast address. */
export const DEFAULT_PORTS = { client: CLIENT_PORT, relay: SERVER_PORT, broadcast: "255.255.255.255" } as const;
