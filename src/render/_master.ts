// collectMasterVariables(): what the master ISO's templates see (its preseed, late script and
// systemd unit). The master is not a node, so it gets its own variables, built only here.
import { DEFAULT_MIRRORS, type Cluster, type Profile } from "../model/cluster.js";
import { formatIpv4, parseCidr, prefixMask } from "../model/ipv4.js";
import type { Engine } from "./_engine.js";

/** Debian packages the master installs besides the base system. */
export const MASTER_PACKAGES: readonly string[] = [
  "openssh-server", "chrony", "ca-certificates", "curl", "bridge-utils", "ifupdown", "nodejs",
  "xorriso", "ipxe", "pxelinux", "syslinux-common", "debian-installer-12-netboot-amd64",
];

/** Where things go on the installed master. */
export const MASTER_PATHS = {
  install: "/opt/maekin",
  config: "/etc/maekin/maekin.yaml",
  stateDir: "/var/lib/maekin",
  unit: "maekin-master.service",
  /** The payload and late script on the ISO and in the initrd. */
  payloadOnMedia: "/maekin/payload.tar.gz",
  lateInInitrd: "/maekin-master-late.sh",
} as const;

/** Per-build facts that do not come from the config. */
export interface MasterContext {
  /** Printed on the serial console by the preseed's early_command. */
  readonly marker: string;
  /** maekin's version, for the unit's description and the installed files. */
  readonly version: string;
}

/** The profile whose root password, SSH keys, locale and disk the master uses: the enroll
 * profile when it is a Debian one, else the first Debian profile; undefined when there is none. */
export function masterProfile(cluster: Cluster): Profile | undefined {
  const enroll = cluster.config.enroll.profile ? cluster.profiles.get(cluster.config.enroll.profile) : undefined;
  if (enroll?.os === "debian-12") return enroll;
  return [...cluster.profiles.values()].find((p) => p.os === "debian-12");
}

/** Everything the master's templates may use. Throws when the config has no debian-12 profile. */
export function collectMasterVariables(cluster: Cluster, context: MasterContext) {
  const profile = masterProfile(cluster);
  if (!profile) throw new Error("the master installs Debian 12 with a profile's root password and SSH keys: add a profile with os: debian-12");
  const { config } = cluster;
  const subnet = parseCidr(config.network.subnet)!;
  // A mirror served by the master itself cannot install the master.
  const mirror = new URL(new URL(cluster.mirrors.debian).hostname === cluster.masterAddress ? DEFAULT_MIRRORS.debian : cluster.mirrors.debian);
  const gateway = config.network.gateway && config.network.gateway !== cluster.masterAddress ? config.network.gateway : "";
  const dns = config.network.dns.filter((d) => d !== cluster.masterAddress);
  return {
    cluster: { name: cluster.name, domain: cluster.domain },
    marker: context.marker,
    version: context.version,
    master: {
      hostname: `${cluster.name}-master`,
      fqdn: `${cluster.name}-master.${cluster.domain}`,
      interface: config.master.interface,
      address: cluster.masterAddress,
      prefix: subnet.prefix,
      netmask: formatIpv4(prefixMask(subnet.prefix)),
      gateway,
      dns,
      url: cluster.masterUrl,
    },
    profile: {
      name: profile.name,
      rootHash: profile.rootPassword.hash,
      sshKeys: profile.sshKeys,
      timezone: profile.timezone,
      locale: profile.locale,
      keyboard: profile.keyboard,
      diskAuto: profile.disk.device === "auto",
      diskDevice: profile.disk.device,
    },
    mirror: {
      host: mirror.host,
      directory: mirror.pathname.replace(/\/$/, "") || "/",
      proxy: config.mirror.proxy ?? "",
      securityUpdates: mirror.href.startsWith("http://deb.debian.org/"),
    },
    packages: [...MASTER_PACKAGES],
    paths: MASTER_PATHS,
  };
}

/** The variables object the master's templates see. */
export type MasterVariables = ReturnType<typeof collectMasterVariables>;

/** The master's rendered files: its preseed, the late script it runs, and the systemd unit. */
export interface MasterFiles {
  readonly preseed: string;
  readonly late: string;
  readonly unit: string;
}

/** Stock templates of the master ISO (templates/iso in the package). */
export const MASTER_TEMPLATES = {
  preseed: "templates/iso/master.preseed.hbs",
  late: "templates/iso/master-late.sh.hbs",
  unit: "templates/iso/maekin-master.service.hbs",
} as const;

/** Renders the master's preseed, late script and unit from the cluster. */
export function renderMasterFiles(engine: Engine, cluster: Cluster, context: MasterContext): MasterFiles {
  const variables = collectMasterVariables(cluster, context);
  return {
    preseed: engine.template(MASTER_TEMPLATES.preseed)(variables),
    late: engine.template(MASTER_TEMPLATES.late)(variables),
    unit: engine.template(MASTER_TEMPLATES.unit)(variables),
  };
}
