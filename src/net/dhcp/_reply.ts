// Pure pieces of answering: facts from a request, reply skeletons with ordered options, boot info,
// and where a reply goes (RFC 2131 section 4.1).
import type { BootAnswer, MachineFacts } from "../../boot/pxe.js";
import { BOOTREPLY, CLIENT_PORT, MessageType, Opt, SERVER_PORT } from "./_constants.js";
import { getOption, option, type DhcpOption } from "./_options.js";
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
  return {
    mac: macOf(req),
    ipxe: userClass?.includes("iPXE") ?? false,
    ...(arch !== undefined ? { arch } : {}),
    ...(vendorClass ? { vendorClass } : {}),
    ...(userClass ? { userClass } : {}),
    ...(uuid ? { uuid } : {}),
    ...(hostname ? { hostname } : {}),
    ...(req.giaddr !== "0.0.0.0" ? { relay: req.giaddr } : {}),
  };
}

/** A BOOTREPLY to req with the header fields copied as RFC 2131 table 3 says. */
export function replyTo(req: DhcpPacket, type: MessageType, serverAddress: string, yiaddr = "0.0.0.0"): DhcpPacket {
  return {
    op: BOOTREPLY, htype: req.htype, hlen: req.hlen, hops: 0, xid: req.xid, secs: 0, flags: req.flags,
    ciaddr: type === MessageType.ACK || type === MessageType.OFFER ? req.ciaddr : "0.0.0.0",
    yiaddr, siaddr: "0.0.0.0", giaddr: req.giaddr, chaddr: req.chaddr, sname: "", file: "",
    options: [option(Opt.MESSAGE_TYPE, type), option(Opt.SERVER_ID, serverAddress)],
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
  if (boot.nextServer) reply.options.push(option(Opt.TFTP_SERVER, boot.nextServer));
  reply.options.push(option(Opt.BOOTFILE, boot.file));
  if (boot.vendorClass) reply.options.push(option(Opt.VENDOR_CLASS, boot.vendorClass));
  if (boot.vendorClass === "PXEClient") reply.options.push({ code: Opt.VENDOR_SPECIFIC, data: PXE_SKIP_DISCOVERY });
}

/** Orders reply options: 53 and 54 first, then the client's option 55 order, then the rest, option 82 last (RFC 3046). */
export function finishOptions(reply: DhcpPacket, req: DhcpPacket): void {
  const prl = getOption(req.options, Opt.PARAM_REQUEST) ?? [];
  const rank = (code: number): number => {
    if (code === Opt.MESSAGE_TYPE) return -2;
    if (code === Opt.SERVER_ID) return -1;
    const i = prl.indexOf(code);
    return i >= 0 ? i : 1000 + code;
  };
  reply.options.sort((a, b) => rank(a.code) - rank(b.code));
  // RFC 3046 section 2.2: the server copies option 82 into its reply unchanged.
  const relay = req.options.find((o) => o.code === Opt.RELAY_AGENT);
  if (relay && req.giaddr !== "0.0.0.0") reply.options.push(relay);
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
