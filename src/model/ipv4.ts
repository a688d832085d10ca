// IPv4 addresses, subnets and ranges as 32-bit unsigned numbers: pure, no I/O.

/** An IPv4 subnet: network address, prefix length and mask, all as numbers. */
export interface Subnet {
  readonly network: number;
  readonly prefix: number;
  readonly mask: number;
}

/** The number for a dotted-quad address, or undefined when the text is not one (no leading zeros, no spaces). */
export function parseIpv4(text: string): number | undefined {
  // Hand-rolled rather than split + regex: the DHCP server parses addresses on every request.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // the end closes the last octet like a dot
    if (c === 46) {
      if (digits === 0 || octet > 255 || (i === text.length) !== (dots === 3)) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return undefined; // a leading zero
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
    } else {
      return undefined;
    }
  }
  return value;
}

/** The dotted-quad text of an address number. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** The mask number of a prefix length (0..32). */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** A subnet from "a.b.c.d/n"; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Subnet | undefined {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]!);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  const mask = prefixMask(prefix);
  if ((address & ~mask) >>> 0 !== 0) return undefined;
  return { network: address, prefix, mask };
}

/** True when the address lies in the subnet. */
export function inSubnet(address: number, subnet: Subnet): boolean {
  return ((address & subnet.mask) >>> 0) === subnet.network;
}

/** The broadcast address of a subnet. */
export function broadcastOf(subnet: Subnet): number {
  return (subnet.network | (~subnet.mask >>> 0)) >>> 0;
}

/** True when the address is a usable host of the subnet (not its network or broadcast address). */
export function isHostOf(address: number, subnet: Subnet): boolean {
  if (!inSubnet(address, subnet)) return false;
  if (subnet.prefix >= 31) return true;
  return address !== subnet.network && address !== broadcastOf(subnet);
}

/** An inclusive address range. */
export interface Ipv4Range {
  readonly start: number;
  readonly end: number;
}

/** A range from "a.b.c.d-e.f.g.h"; undefined when malformed or reversed. */
export function parseRange(text: string): Ipv4Range | undefined {
  const parts = text.split("-").map((p) => p.trim());
  if (parts.length !== 2) return undefined;
  const start = parseIpv4(parts[0]!);
  const end = parseIpv4(parts[1]!);
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}
