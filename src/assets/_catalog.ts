// The boot assets the master serves (iPXE builds, installer kernels and initrds), and where
// each is found: imported into the state dir first, else at the path its Debian package uses.
import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { packageRoot } from "../model/paths.js";
import { reuseFor } from "./_reuse.js";

const DI = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";

/** Where an asset comes from when it is not imported yet, and how to get it. */
export interface AssetSource {
  /** Paths tried in order (Debian package locations). */
  readonly paths: readonly string[];
  /** The command that provides it. */
  readonly fix: string;
}

/** Every asset maekin knows by name, as served under /assets/<name> and over TFTP. */
export const ASSET_SOURCES: Readonly<Record<string, AssetSource>> = {
  "undionly.kpxe": { paths: ["/usr/lib/ipxe/undionly.kpxe"], fix: "apt-get install ipxe" },
  "ipxe.efi": { paths: ["/usr/lib/ipxe/ipxe.efi", "/boot/ipxe.efi"], fix: "apt-get install ipxe" },
  "snponly.efi": { paths: ["/usr/lib/ipxe/snponly.efi"], fix: "apt-get install ipxe" },
  "debian-12/linux": { paths: [`${DI}/linux`], fix: "apt-get install debian-installer-12-netboot-amd64" },
  "debian-12/initrd.gz": { paths: [`${DI}/initrd.gz`], fix: "apt-get install debian-installer-12-netboot-amd64" },
  "agent/maekin-agent.js": { paths: [join(packageRoot, "dist", "agent", "maekin-agent.js")], fix: "npm run build (in the maekin package)" },
  "rocky-9/vmlinuz": { paths: [], fix: "maekin assets import --os rocky-9 --from ROCKY-DVD.iso (or its images/pxeboot folder)" },
  "rocky-9/initrd.img": { paths: [], fix: "maekin assets import --os rocky-9 --from ROCKY-DVD.iso (or its images/pxeboot folder)" },
  "alma-9/vmlinuz": { paths: [], fix: "maekin assets import --os alma-9 --from ALMA-DVD.iso (or its images/pxeboot folder)" },
  "alma-9/initrd.img": { paths: [], fix: "maekin assets import --os alma-9 --from ALMA-DVD.iso (or its images/pxeboot folder)" },
};

/** A resolved asset file. */
export interface AssetFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Looks up assets by name for HTTP and TFTP; never leaves its roots. */
export interface AssetCatalog {
  /** The file behind /assets/<name>, or undefined (unknown name, missing file, or outside the roots). */
  resolve(name: string): Promise<AssetFile | undefined>;
  /** Every known asset with where it was found or how to get it (for `maekin doctor`). */
  report(): Promise<{ name: string; path?: string; fix: string }[]>;
}

/**
 * Names are jailed: backslashes become slashes, and `..`, absolute paths, empty segments and
 * NULs are refused. A name inside the imported root is resolved with realpath and must stay
 * there, so a symlink cannot lead out; other names must be in ASSET_SOURCES.
 */
export function createAssetCatalog(options: { stateDir: string; extra?: Readonly<Record<string, string>>; reuseMs?: number }): AssetCatalog {
  const root = join(options.stateDir, "assets");

  async function find(name: string): Promise<string | undefined> {
    const clean = cleanName(name);
    if (!clean) return undefined;
    const imported = await inside(root, join(root, clean));
    if (imported) return imported;
    const extra = options.extra?.[clean];
    if (extra) return (await readable(extra)) ? extra : undefined;
    for (const path of ASSET_SOURCES[clean]?.paths ?? []) if (await readable(path)) return path;
    return undefined;
  }

  // A storm asks for the same few names hundreds of times a second: where a name is found (two
  // realpaths) is worked out once per reuseMs; the stat stays per request, so a file replaced in
  // place is served with its own size at once, and a newly imported name is found after reuseMs.
  const where = reuseFor(options.reuseMs ?? 1000, find);

  return {
    async resolve(name) {
      const path = await where(name);
      if (!path) return undefined;
      const info = await stat(path).catch(() => undefined);
      return info?.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined;
    },
    async report() {
      return Promise.all(Object.entries(ASSET_SOURCES).map(async ([name, source]) => {
        const path = await find(name);
        return { name, fix: source.fix, ...(path ? { path } : {}) };
      }));
    },
  };
}

/** A safe relative asset name, or undefined. */
export function cleanName(name: string): string | undefined {
  if (name.includes("\0")) return undefined;
  const parts = name.replaceAll("\\", "/").split("/");
  if (parts[0] === "") return undefined; // absolute
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  return parts.join("/");
}

async function readable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(() => true, () => false);
}

/** The real path of `path` when it exists and stays under `root`. */
async function inside(root: string, path: string): Promise<string | undefined> {
  try {
    const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
    return real.startsWith(realRoot + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}
