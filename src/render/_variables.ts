// collectVariables(): the one place that decides what a template sees. Templates read nothing
// else, so a variable's meaning can be checked here and in the golden files, nowhere else.
import { formatIpv4, parseCidr, prefixMask } from "../model/ipv4.js";
import type { Cluster, OsFamily, Profile } from "../model/cluster.js";
import { isOwnMirror, MIRROR_URLS } from "../mirror/_layout.js";

/** The machine an answer file is rendered for: a configured node or an enrolled unknown one. */
export interface InstallTarget {
  readonly name: string;
  readonly mac: string;
  /** The reserved address; undefined for an enrolled machine, whose bridge then uses DHCP. */
  readonly ip?: string;
  readonly profile: Profile;
}

/** Per-render facts that do not come from the config. */
export interface RenderContext {
  /** The node's install token: in answer-file URLs and installer event calls. */
  readonly token: string;
  /**
   * false: the master has no keyring initrd (its mirror is not synced yet), so the boot script
   * must not ask for one (iPXE would fail the boot and loop). Default: it has one.
   */
  readonly keyring?: boolean;
}

/** Packages every node gets, per OS family, before the profile's own. */
export const BASE_PACKAGES: Readonly<Record<"debian" | "rhel", readonly string[]>> = {
  debian: ["openssh-server", "chrony", "bridge-utils", "qemu-system-x86", "qemu-utils", "libvirt-daemon-system", "libvirt-clients", "nodejs", "ca-certificates"],
  rhel: ["@core", "chrony", "openssh-server", "qemu-kvm", "libvirt", "libvirt-client", "nodejs", "curl"],
};

/** Where the installer kernel and initrd of an OS live under /assets. */
export function bootAssets(os: Profile["os"]): { kernel: string; initrd: string } {
  return os === "debian-12"
    ? { kernel: `${os}/linux`, initrd: `${os}/initrd.gz` }
    : { kernel: `${os}/vmlinuz`, initrd: `${os}/initrd.img` };
}

/** MiB in a size such as "200G" (M, G, T); 0 for "rest". */
export function sizeInMiB(size: string): number {
  const match = /^([0-9]+)([MGT])$/.exec(size);
  return match ? Number(match[1]) * { M: 1, G: 1024, T: 1024 * 1024 }[match[2] as "M" | "G" | "T"] : 0;
}

const dedupe = (list: readonly string[]) => [...new Set(list)];

/** Everything a template may use, built from the cluster, the target machine and the context. */
export function collectVariables(cluster: Cluster, target: InstallTarget, context: RenderContext) {
  const { config } = cluster;
  const profile = target.profile;
  const family: OsFamily = profile.family;
  const isDebian = family === "debian";
  const subnet = parseCidr(config.network.subnet)!;
  const mirrorUrl = new URL(cluster.mirrors[family]);
  const masterUrl = cluster.masterUrl;
  const installBase = `${masterUrl}/install/${context.token}`;
  const assets = bootAssets(profile.os);
  const rhelRepo = (name: string) => `${cluster.mirrors[family].replace(/\/$/, "")}/${name}/x86_64/os`;
  const answerFile = isDebian ? "preseed.cfg" : "ks.cfg";
  const answerUrl = `${installBase}/${answerFile}`;
  const serial = "console=tty0 console=ttyS0,115200n8";
  const syslog = { host: cluster.masterAddress, port: config.master.syslog.port };
  // Installer kernel arguments. d-i reads its answers from the preseed at priority critical;
  // the console after "---" is kept for the installed system. Anaconda takes inst.* options.
  // A node that installs from this master's own mirror must trust the cluster's key: a second initrd carries it.
  const keyring = context.keyring !== false && isDebian && isOwnMirror(cluster.mirrors.debian, masterUrl);
  const cmdline = isDebian
    ? `auto=true priority=critical preseed/url=${answerUrl} hostname=${target.name} domain=${cluster.domain} ` +
      `interface=auto netcfg/choose_interface=auto log_host=${syslog.host} log_port=${syslog.port} ${serial} --- ${serial}`
    : `inst.ks=${answerUrl} inst.repo=${rhelRepo("BaseOS")} inst.syslog=${syslog.host}:${syslog.port} inst.text ip=dhcp ${serial}`;

  return {
    cluster: { name: cluster.name, domain: cluster.domain },
    node: {
      name: target.name,
      fqdn: `${target.name}.${cluster.domain}`,
      mac: target.mac,
      static: target.ip !== undefined,
      ip: target.ip ?? "",
      prefix: subnet.prefix,
      netmask: formatIpv4(prefixMask(subnet.prefix)),
      gateway: config.network.gateway ?? "",
      dns: config.network.dns,
      ntp: config.network.ntp,
    },
    profile: {
      name: profile.name,
      os: profile.os,
      family,
      isDebian,
      diskAuto: profile.disk.device === "auto",
      diskDevice: profile.disk.device,
      lvm: profile.disk.layout === "lvm",
      vmStorage: profile.disk.vmStorage,
      vmStorageMiB: sizeInMiB(profile.disk.vmStorage),
      bridge: profile.bridge.name,
      rootHash: profile.rootPassword.hash,
      sshKeys: profile.sshKeys,
      packages: dedupe([...BASE_PACKAGES[isDebian ? "debian" : "rhel"], ...profile.packages]),
      timezone: profile.timezone,
      locale: profile.locale,
      keyboard: profile.keyboard,
    },
    master: {
      address: cluster.masterAddress,
      url: masterUrl,
      host: cluster.masterAddress,
      port: config.master.http.port,
      syslogPort: config.master.syslog.port,
    },
    mirror: {
      url: cluster.mirrors[family],
      host: mirrorUrl.host,
      directory: mirrorUrl.pathname.replace(/\/$/, "") || "/",
      proxy: config.mirror.proxy ?? "",
      baseos: rhelRepo("BaseOS"),
      appstream: rhelRepo("AppStream"),
      // The public Debian mirror also has security updates; a local mirror usually does not.
      securityUpdates: isDebian && cluster.mirrors.debian.startsWith("http://deb.debian.org/"),
    },
    install: {
      token: context.token,
      answerUrl,
      lateUrl: `${installBase}/late.sh`,
      eventsPath: "/api/v1/events",
      eventsUrl: `${masterUrl}/api/v1/events`,
      agentUrl: `${masterUrl}/assets/agent/maekin-agent.js`,
    },
    boot: {
      kernelUrl: `${masterUrl}/assets/${assets.kernel}`,
      initrdUrl: `${masterUrl}/assets/${assets.initrd}`,
      kernelPath: assets.kernel,
      initrdPath: assets.initrd,
      initrdName: assets.initrd.split("/").pop()!,
      console: serial,
      cmdline,
      keyring: {
        enabled: keyring,
        url: `${masterUrl}${MIRROR_URLS.keyringInitrd}`,
        path: MIRROR_URLS.keyringInitrd,
        name: MIRROR_URLS.keyringInitrd.split("/").pop()!,
      },
    },
  };
}

/** The variables object templates see. */
export type Variables = ReturnType<typeof collectVariables>;
