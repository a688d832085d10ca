// Making the Debian installer trust the cluster's key: facts read from the installer's own
// initrd (kernel ABI, installed udebs, archive keyring), and a small second initrd that
// replaces /usr/share/keyrings/archive.gpg (the keyring net-retriever and debootstrap check
// Release with) by the Debian keyring plus our key, and carries a base-installer.d hook that
// puts our key into the target's /etc/apt/trusted.gpg.d. Pure: buffers in, buffers out.
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeCpio, encodeCpio, type DecodedCpioEntry } from "../iso/_cpio.js";
import { parseStanzas, type Stanza } from "./_control.js";
import { MirrorError } from "./_errors.js";

/** What the mirror needs to know about the installer it serves. */
export interface InstallerFacts {
  /** The kernel ABI of the installer's modules ("6.1.0-50-amd64"): udebs must match it. */
  readonly kernelAbi: string;
  /** The udebs already in the initrd (its /var/lib/dpkg/status). */
  readonly status: Stanza[];
  /** Its Debian archive keyring (usr/share/keyrings/debian-archive-keyring.gpg). */
  readonly archiveKeyring: Buffer;
}

/** Where our key and the hook live inside the keyring initrd. */
export const KEYRING_INITRD = {
  archive: "usr/share/keyrings/archive.gpg",
  ours: "usr/share/keyrings/maekin-archive.gpg",
  hook: "usr/lib/base-installer.d/05maekin-keyring",
  /** Where the hook puts the key in the installed system. */
  target: "/target/etc/apt/trusted.gpg.d/maekin-archive.gpg",
} as const;

/** Reads the installer facts from a gzip'd newc initrd (as debian-installer ships it). */
export function readInstallerFacts(initrdGz: Uint8Array, where = "the installer initrd"): InstallerFacts {
  let entries: DecodedCpioEntry[];
  try {
    entries = decodeCpio(gunzipSync(initrdGz));
  } catch (err) {
    throw new MirrorError(`${where} is not a gzip'd cpio initrd: ${(err as Error).message}`, { code: "MIRROR_INITRD", cause: err });
  }
  const abis = new Set(entries.map((e) => /^(?:\.\/)?lib\/modules\/([^/]+)\//.exec(e.name)?.[1]).filter((a): a is string => a !== undefined));
  if (abis.size !== 1) throw new MirrorError(`${where}: expected the modules of one kernel under lib/modules/, found ${abis.size} (${[...abis].join(", ")})`, { code: "MIRROR_INITRD" });
  const file = (name: string) => entries.find((e) => e.name.replace(/^\.\//, "") === name)?.data;
  const status = file("var/lib/dpkg/status");
  const keyring = file("usr/share/keyrings/debian-archive-keyring.gpg");
  if (!status || !keyring) throw new MirrorError(`${where} lacks var/lib/dpkg/status or the Debian archive keyring: not a debian-installer initrd?`, { code: "MIRROR_INITRD" });
  return { kernelAbi: [...abis][0]!, status: parseStanzas(status.toString("utf8")), archiveKeyring: Buffer.from(keyring) };
}

/** The base-installer.d hook: runs after debootstrap, with the target at /target. */
export function keyringHook(): string {
  const target = KEYRING_INITRD.target;
  return `#!/bin/sh -e
# maekin: trust the cluster's archive key in the installed system, so apt-setup and pkgsel fetch from the master's signed mirror.
mkdir -p ${target.slice(0, target.lastIndexOf("/"))}
cp /${KEYRING_INITRD.ours} ${target}
chmod 644 ${target}
`;
}

/** The gzip'd cpio to load as the installer's second initrd. */
export function keyringInitrd(archiveKeyring: Uint8Array, ourKey: Uint8Array): Buffer {
  if (ourKey.length === 0) throw new MirrorError("the cluster's public key is empty", { code: "MIRROR_GPG" });
  const dirs = ["usr", "usr/share", "usr/share/keyrings", "usr/lib", "usr/lib/base-installer.d"];
  return gzipSync(encodeCpio([
    ...dirs.map((name) => ({ name })),
    // Old-style keyrings are concatenated key blocks: gpgv reads both the Debian keys and ours.
    { name: KEYRING_INITRD.archive, data: Buffer.concat([archiveKeyring, ourKey]) },
    { name: KEYRING_INITRD.ours, data: ourKey },
    { name: KEYRING_INITRD.hook, data: keyringHook(), mode: 0o755 },
  ]), { level: 9 });
}
