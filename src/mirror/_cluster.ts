// A sync for a cluster: the packages its Debian profiles install, the upstream it names (or
// Debian's when the config points at this master's own mirror), the installer the master serves.
import { createAssetCatalog } from "../assets/index.js";
import { DEFAULT_MIRRORS, type Cluster } from "../model/cluster.js";
import { BASE_PACKAGES } from "../render/_variables.js";
import { MirrorError } from "./_errors.js";
import { isOwnMirror } from "./_layout.js";
import { syncMirror, type SyncOptions, type SyncSummary } from "./_sync.js";

/** Debian's archive keyring, which signs the upstream (package debian-archive-keyring). */
export const DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** Every package the cluster's Debian profiles install, base packages first. */
export function clusterPackages(cluster: Cluster): string[] {
  const extra = [...cluster.profiles.values()].filter((p) => p.family === "debian").flatMap((p) => p.packages);
  return [...new Set([...BASE_PACKAGES.debian, ...extra])];
}

/** The upstream to mirror: --upstream, else mirror.debian unless that is this master's own mirror, else Debian's. */
export function upstreamFor(cluster: Cluster, given?: string): string {
  const url = given ?? (isOwnMirror(cluster.mirrors.debian, cluster.masterUrl) ? DEFAULT_MIRRORS.debian : cluster.mirrors.debian);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MirrorError(`--upstream ${JSON.stringify(url)} is not a URL; give one like http://deb.debian.org/debian`, { code: "MIRROR_USAGE" });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new MirrorError(`the upstream ${url} must be http:// or https://`, { code: "MIRROR_USAGE" });
  return url.replace(/\/+$/, "");
}

/** Syncs the mirror of `cluster` into stateDir. */
export async function syncClusterMirror(cluster: Cluster, stateDir: string, options: { upstream?: string; report: SyncOptions["report"]; packages?: readonly string[] }): Promise<SyncSummary> {
  const initrd = await createAssetCatalog({ stateDir }).resolve("debian-12/initrd.gz");
  if (!initrd) throw new MirrorError("the Debian installer initrd is missing; apt-get install debian-installer-12-netboot-amd64 (or maekin assets import)", { code: "MIRROR_INITRD" });
  return syncMirror({
    stateDir, cluster: cluster.name, upstream: upstreamFor(cluster, options.upstream), upstreamKeyring: DEBIAN_KEYRING,
    installerInitrd: initrd.path, packages: options.packages ?? clusterPackages(cluster), report: options.report,
    lvm: [...cluster.profiles.values()].some((p) => p.family === "debian" && p.disk.layout === "lvm"),
  });
}
