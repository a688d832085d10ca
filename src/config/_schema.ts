// The zod schema of maekin.yaml: the single source of the config types. Objects are strict,
// so an unknown key is an error (with a did-you-mean), never silently ignored.
import { z } from "zod";
import {
  cidr, domain, duration, hostLabel, httpUrl, ifname, ipv4, mac, packageName, passwordHash,
  port, profileName, range, sshKey,
} from "./_fields.js";

/** Operating systems a profile can install. */
export const OS_NAMES = ["debian-12", "rocky-9", "alma-9"] as const;

const clusterSchema = z.strictObject({
  name: hostLabel.meta({ description: "cluster name, used in certificates and the dashboard" }),
  domain: domain.meta({ description: "DNS domain of the nodes; node FQDN = name.domain" }),
});

const masterSchema = z.strictObject({
  interface: ifname.meta({ description: "provisioning interface (or bridge) of the master" }),
  address: ipv4.meta({ description: "the master's address on the provisioning network" }),
  http: z.strictObject({
    port: port.default(8080),
    bind: ipv4.optional().meta({ description: "address to listen on; default: all" }),
  }).default({ port: 8080 }),
  tftp: z.strictObject({ port: port.default(69) }).default({ port: 69 }),
  dhcp: z.strictObject({
    port: port.default(67),
    proxyPort: port.default(4011).meta({ description: "PXE boot server port used in proxy mode" }),
  }).default({ port: 67, proxyPort: 4011 }),
  syslog: z.strictObject({
    port: port.default(5514).meta({ description: "UDP port for installer syslog (d-i log_host, inst.syslog)" }),
  }).default({ port: 5514 }),
});

const dhcpSchema = z.strictObject({
  mode: z.enum(["authoritative", "proxy", "off"]).default("authoritative")
    .meta({ description: "authoritative: addresses and boot; proxy: boot info beside another DHCP server; off" }),
  pool: range.optional().meta({ description: "dynamic range for machines without a reservation" }),
  leaseTime: duration.default(3600),
});

const networkSchema = z.strictObject({
  subnet: cidr,
  gateway: ipv4.optional(),
  dns: z.array(ipv4).default([]).meta({ description: "DNS servers for the nodes; the Debian installer stops to ask when there are none" }),
  ntp: z.array(z.string().min(1)).default([]),
  dhcp: dhcpSchema.default({ mode: "authoritative", leaseTime: 3600 }),
});

const mirrorSchema = z.strictObject({
  debian: httpUrl.optional().meta({ description: "Debian archive URL (default http://deb.debian.org/debian)" }),
  rocky: httpUrl.optional().meta({ description: "Rocky Linux 9 base URL (BaseOS/ and AppStream/ below it)" }),
  alma: httpUrl.optional().meta({ description: "AlmaLinux 9 base URL (BaseOS/ and AppStream/ below it)" }),
  proxy: httpUrl.optional().meta({ description: "HTTP proxy the installers use for packages" }),
});

const profileSchema = z.strictObject({
  os: z.enum(OS_NAMES),
  disk: z.strictObject({
    device: z.string().regex(/^(auto|\/dev\/[A-Za-z0-9/_-]+)$/, 'must be "auto" (the first disk the installer sees) or a path like /dev/sda')
      .default("auto"),
    layout: z.enum(["lvm", "regular"]).default("lvm"),
    vmStorage: z.string().regex(/^(rest|[0-9]+[MGT])$/, 'must be "rest" or a size like 200G').default("rest")
      .meta({ description: "lvm layout: size of the volume group space for VM storage" }),
  }).default({ device: "auto", layout: "lvm", vmStorage: "rest" }),
  bridge: z.strictObject({ name: ifname.default("br0") }).default({ name: "br0" }),
  kvm: z.enum(["required", "optional"]).default("required")
    .meta({ description: "optional: a node without usable /dev/kvm (a nested lab, no VT-x) can still become ready; its VMs run emulated (TCG), far slower" }),
  rootPassword: z.strictObject({ hash: passwordHash }),
  sshKeys: z.array(sshKey).default([]),
  packages: z.array(packageName).default([]),
  timezone: z.string().regex(/^[A-Za-z0-9_+/-]+$/, "must be a tz name like Etc/UTC or Europe/Berlin").default("Etc/UTC"),
  locale: z.string().regex(/^[a-z]{2,3}_[A-Z]{2}\.UTF-8$/, "must be a locale like en_US.UTF-8").default("en_US.UTF-8"),
  keyboard: z.string().regex(/^[a-z]{2,8}$/, "must be an X keymap name like us or de").default("us"),
  templates: z.strictObject({
    answer: z.string().min(1).optional().meta({ description: "preseed/kickstart template replacing the stock one (path relative to maekin.yaml)" }),
    late: z.string().min(1).optional().meta({ description: "Debian only: late.sh template replacing the stock one" }),
  }).default({}).meta({ description: "your own copies of the stock install templates (`maekin init` puts them in profiles/)" }),
});

const nodeSchema = z.strictObject({
  name: hostLabel,
  mac,
  ip: ipv4,
  profile: profileName,
});

const enrollSchema = z.strictObject({
  unknown: z.enum(["install", "discover", "ignore"]).default("discover")
    .meta({ description: "what happens to a machine whose MAC is not listed under nodes" }),
  profile: profileName.optional().meta({ description: "profile for unknown machines when unknown is install" }),
});

/** The whole maekin.yaml. */
export const configSchema = z.strictObject({
  cluster: clusterSchema,
  master: masterSchema,
  network: networkSchema,
  mirror: mirrorSchema.default({}),
  profiles: z.record(profileName, profileSchema),
  nodes: z.array(nodeSchema).default([]),
  enroll: enrollSchema.default({ unknown: "discover" }),
}).meta({ title: "maekin.yaml", description: "One maekin cloud: master, network, install profiles and nodes." });

/** A parsed, defaulted maekin.yaml. */
export type Config = z.output<typeof configSchema>;
/** An install profile as written in maekin.yaml, defaults applied. */
export type ProfileConfig = z.output<typeof profileSchema>;
/** A node entry as written in maekin.yaml, MAC normalized. */
export type NodeConfig = z.output<typeof nodeSchema>;

/** Per-section schemas, so cross-field checks can use whatever sections parsed. */
export const sectionSchemas = {
  cluster: clusterSchema,
  master: masterSchema,
  network: networkSchema,
  mirror: mirrorSchema,
  profile: profileSchema,
  node: nodeSchema,
  enroll: enrollSchema,
} as const;
