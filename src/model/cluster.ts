// The Cluster model: a validated maekin.yaml with every default resolved, frozen.
// Everything downstream (render, boot, serve, iso) reads this, never the YAML.
import type { Config, NodeConfig, ProfileConfig } from "../config/index.js";

/** Default package mirrors per OS family, used when mirror.<family> is not set. */
export const DEFAULT_MIRRORS = {
  debian: "http://deb.debian.org/debian",
  rocky: "http://dl.rockylinux.org/pub/rocky/9",
  alma: "http://repo.almalinux.org/almalinux/9",
} as const;

/** An OS family: which installer and which mirror a profile uses. */
export type OsFamily = "debian" | "rocky" | "alma";

/** An install profile with its name and OS family. */
export interface Profile extends ProfileConfig {
  readonly name: string;
  readonly family: OsFamily;
}

/** A node with its fully qualified name and resolved profile. */
export interface Node extends NodeConfig {
  readonly fqdn: string;
  readonly profileRef: Profile;
}

/** The typed, frozen cloud description. */
export interface Cluster {
  readonly config: Config;
  /** The folder of maekin.yaml: relative paths in the config start here. */
  readonly baseDir: string;
  readonly name: string;
  readonly domain: string;
  readonly masterAddress: string;
  /** http://address:port of the master as nodes reach it. */
  readonly masterUrl: string;
  readonly mirrors: Readonly<Record<OsFamily, string>>;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly nodes: readonly Node[];
}

/** The OS family of an OS name such as "rocky-9". */
export function osFamily(os: ProfileConfig["os"]): OsFamily {
  return os.split("-")[0] as OsFamily;
}

/** Builds the Cluster model from a validated config (references are known to resolve). */
export function createCluster(config: Config, options: { baseDir?: string } = {}): Cluster {
  const profiles = new Map<string, Profile>();
  for (const [name, profile] of Object.entries(config.profiles)) {
    profiles.set(name, deepFreeze({ ...profile, name, family: osFamily(profile.os) }));
  }
  const nodes = config.nodes.map((node): Node => {
    const profileRef = profiles.get(node.profile);
    if (!profileRef) throw new Error(`node ${node.name}: profile ${node.profile} is not defined (validate the config first)`);
    return { ...node, fqdn: `${node.name}.${config.cluster.domain}`, profileRef };
  });
  return deepFreeze({
    config,
    baseDir: options.baseDir ?? process.cwd(),
    name: config.cluster.name,
    domain: config.cluster.domain,
    masterAddress: config.master.address,
    masterUrl: `http://${config.master.address}:${config.master.http.port}`,
    mirrors: {
      debian: config.mirror.debian ?? DEFAULT_MIRRORS.debian,
      rocky: config.mirror.rocky ?? DEFAULT_MIRRORS.rocky,
      alma: config.mirror.alma ?? DEFAULT_MIRRORS.alma,
    },
    profiles,
    nodes,
  });
}

/** Finds a node by canonical MAC. */
export function nodeByMac(cluster: Cluster, mac: string): Node | undefined {
  return cluster.nodes.find((n) => n.mac === mac);
}

/** Finds a node by name. */
export function nodeByName(cluster: Cluster, name: string): Node | undefined {
  return cluster.nodes.find((n) => n.name === name);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value) && !(value instanceof Map)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
