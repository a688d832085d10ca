// Leaf schemas for maekin.yaml: each checks one kind of value and says how to fix it.
import { z } from "zod";
import { domainProblem, hostLabelProblem } from "../model/hostname.js";
import { parseCidr, parseIpv4, parseRange } from "../model/ipv4.js";
import { normalizeMac } from "../model/mac.js";
import { parseDuration } from "../model/duration.js";
import { passwordHashProblem, sshKeyProblem } from "../model/secrets.js";

/** A string that must pass a check; the check returns the problem text or undefined. */
function checked(problem: (value: string) => string | undefined, description: string) {
  return z.string().superRefine((value, ctx) => {
    const text = problem(value);
    if (text) ctx.addIssue({ code: "custom", message: text });
  }).meta({ description });
}

/** A dotted-quad IPv4 address. */
export const ipv4 = checked(
  (v) => (parseIpv4(v) === undefined ? `"${v}" is not an IPv4 address (write it like 10.0.0.1)` : undefined),
  "IPv4 address, e.g. 10.77.0.1",
);

/** A subnet in CIDR form with no host bits set. */
export const cidr = checked((v) => {
  if (parseCidr(v)) return undefined;
  const [addr, prefix] = v.split("/");
  if (addr && prefix && parseIpv4(addr) !== undefined && Number(prefix) <= 32)
    return `"${v}" has host bits set; write the network address of the subnet`;
  return `"${v}" is not a subnet in CIDR form (write it like 10.77.0.0/24)`;
}, "IPv4 subnet in CIDR form, e.g. 10.77.0.0/24");

/** An inclusive IPv4 range "first-last". */
export const range = checked(
  (v) => (parseRange(v) ? undefined : `"${v}" is not an address range (write it like 10.77.0.100-10.77.0.199, first <= last)`),
  "inclusive IPv4 range first-last, e.g. 10.77.0.100-10.77.0.199",
);

/** A MAC in any common notation, normalized to lower-case colon form. */
export const mac = z.string().transform((value, ctx) => {
  const normal = normalizeMac(value);
  if (normal) return normal;
  ctx.addIssue({ code: "custom", message: `"${value}" is not a MAC address (write it like 52:54:00:12:34:56, 52-54-00-12-34-56 or 5254.0012.3456)` });
  return z.NEVER;
}).meta({ description: "MAC address: aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF or aabb.ccdd.eeff" });

/** A single RFC 1123 host label (node and cluster names). */
export const hostLabel = checked((v) => {
  const problem = hostLabelProblem(v);
  return problem ? `"${v}" is not a valid host name: it ${problem}` : undefined;
}, "host name (RFC 1123 label: letters, digits, inner hyphens, at most 63)");

/** An RFC 1123 domain name. */
export const domain = checked((v) => {
  const problem = domainProblem(v);
  return problem ? `"${v}" is not a valid domain name: it ${problem}` : undefined;
}, "DNS domain, e.g. cloud.example.com");

/** A Linux network interface name (at most 15 bytes, no slash or white space). */
export const ifname = checked(
  (v) => (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(v) && v !== "." && v !== ".."
    ? undefined
    : `"${v}" is not a valid Linux interface name (1-15 letters, digits, "_", "-" or ".")`),
  "Linux interface name (at most 15 characters)",
);

/** A TCP/UDP port number. */
export const port = z.number().int().min(1).max(65535).meta({ description: "port number 1-65535" });

/** A duration such as 90s, 30m, 1h, 7d, or a number of seconds; parsed to seconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds !== undefined) return seconds;
  ctx.addIssue({ code: "custom", message: `"${value}" is not a duration (write it like 90s, 30m, 1h or 7d)` });
  return z.NEVER;
}).meta({ description: "duration: 90s, 30m, 1h, 7d, or seconds" });

/** An http(s) URL. */
export const httpUrl = checked((v) => {
  try {
    const url = new URL(v);
    return url.protocol === "http:" || url.protocol === "https:" ? undefined : `"${v}" must be an http:// or https:// URL`;
  } catch {
    return `"${v}" is not a URL (write it like http://10.77.0.1:8080/mirror/debian)`;
  }
}, "http:// or https:// URL");

/** A crypt(3) password hash ($y$, $6$ or $5$); plaintext is refused. */
export const passwordHash = checked(
  (v) => { const p = passwordHashProblem(v); return p ? `the root password ${p}` : undefined; },
  "crypt(3) hash: $6$ (SHA-512), $5$ (SHA-256) or $y$ (yescrypt)",
);

/** An OpenSSH public key line. */
export const sshKey = checked(
  (v) => { const p = sshKeyProblem(v); return p ? `this SSH public key ${p}` : undefined; },
  "OpenSSH public key line, e.g. ssh-ed25519 AAAA... user@host",
);

/** A Debian or RPM package name. */
export const packageName = checked(
  (v) => (/^[A-Za-z0-9@_+][A-Za-z0-9@_+.:~-]*$/.test(v) ? undefined : `"${v}" is not a package name`),
  "package name",
);

/** A profile name: the key under `profiles` that nodes refer to. */
export const profileName = checked(
  (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? undefined : `"${v}" is not a valid profile name (letters, digits, ".", "_", "-")`),
  "profile name",
);
