// Files of the local Debian mirror for GET /mirror/...: the archive tree under /mirror/debian and
// the two trust files (public key, keyring initrd). Jailed: names are cleaned, and the real path
// must stay inside the archive tree, so a symlink (dists/oldstable -> bookworm) may point
// within it but never out of it. The signing key's folder beside it is never reachable.
import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { cleanName, type AssetFile } from "../assets/index.js";
import { MIRROR_URLS, mirrorLayout } from "../mirror/index.js";

/** Resolves a path below /mirror/ to a file, or undefined (unknown, missing, or outside the tree). */
export type MirrorFiles = (name: string) => Promise<AssetFile | undefined>;

/** The mirror files of a state dir. */
export function createMirrorFiles(stateDir: string): MirrorFiles {
  const layout = mirrorLayout(stateDir);
  const prefix = MIRROR_URLS.debian.slice("/mirror/".length);
  const fixed: Record<string, string> = {
    [MIRROR_URLS.keyringInitrd.slice("/mirror/".length)]: layout.keyringInitrd,
    [MIRROR_URLS.publicKey.slice("/mirror/".length)]: layout.publicKey,
  };
  return async (name) => {
    const clean = cleanName(name);
    if (!clean) return undefined;
    let path = fixed[clean];
    if (!path) {
      if (!clean.startsWith(`${prefix}/`)) return undefined;
      try {
        const [root, real] = await Promise.all([realpath(layout.debian), realpath(join(layout.debian, clean.slice(prefix.length + 1)))]);
        if (!real.startsWith(root + sep)) return undefined;
        path = real;
      } catch {
        return undefined;
      }
    }
    const info = await stat(path).catch(() => undefined);
    return info?.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  };
}

const TYPES: Record<string, string> = {
  ".deb": "application/vnd.debian.binary-package", ".udeb": "application/vnd.debian.binary-package",
  ".gz": "application/gzip", ".gpg": "application/pgp-keys", ".txt": "text/plain; charset=utf-8", ".json": "application/json",
};

/** Content-Type of a mirror file (Release, Packages and InRelease are text). */
export function mirrorContentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot > name.lastIndexOf("/") ? name.slice(dot) : "";
  return TYPES[ext] ?? (ext === "" ? "text/plain; charset=utf-8" : "application/octet-stream");
}
