// Where the mirror lives in the state dir and under which URLs the master serves it. Pure.
import { join } from "node:path";

/** The Debian suite the mirror holds (the installer's release). */
export const SUITE = "bookworm";
/** Other names of the suite that installers and apt ask for: links to dists/bookworm. */
export const SUITE_ALIASES = ["oldstable"] as const;
/**
 * The next release, where udebs missing from the archive may be found (substitute step only):
 * by its codename, else by its alias `stable`, whose index an archive mid-sync (or a caching
 * proxy) may hold consistent while the codename's is not: on 2026-11-23 the archive here served
 * dists/trixie's Packages.xz not matching its Release, and dists/stable's matching.
 */
export const NEXT_SUITES = ["trixie", "stable"] as const;

/** URL paths under the master's HTTP root. */
export const MIRROR_URLS = {
  /** The Debian archive tree: /mirror/debian/dists/..., /mirror/debian/pool/... */
  debian: "/mirror/debian",
  /** The installer's second initrd with our key. */
  keyringInitrd: "/mirror/maekin-keyring.cpio.gz",
  /** The public key (binary), for apt's Signed-By. */
  publicKey: "/mirror/maekin-archive.gpg",
} as const;

/** Files of the mirror under a state dir. */
export function mirrorLayout(stateDir: string) {
  const root = join(stateDir, "mirror");
  const debian = join(root, "debian");
  return {
    root,
    /** Served as /mirror/debian: dists/ and pool/ only. */
    debian,
    dists: join(debian, "dists", SUITE),
    /** Marks a complete sync: written last. */
    summary: join(debian, "maekin-sync.json"),
    substitutes: join(debian, "maekin-substitutes.txt"),
    gnupg: join(root, "gnupg"),
    publicKey: join(root, "maekin-archive.gpg"),
    keyringInitrd: join(root, "maekin-keyring.cpio.gz"),
    work: join(root, "work"),
  };
}

/** The mirror layout type. */
export type MirrorLayout = ReturnType<typeof mirrorLayout>;

/** True when the node's Debian mirror URL is this master's own /mirror/debian (then the installer needs our key). */
export function isOwnMirror(mirrorUrl: string, masterUrl: string): boolean {
  return mirrorUrl.replace(/\/+$/, "") === `${masterUrl.replace(/\/+$/, "")}${MIRROR_URLS.debian}`;
}
