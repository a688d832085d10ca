// The cluster's archive signing key: made once with gpg in its own GNUPGHOME (<state>/mirror/gnupg,
// mode 0700), exported (public part, binary) for the installer and apt to trust, and used to
// sign Release. No passphrase: the state dir's permissions protect it, as they protect the CA.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { execa } from "execa";
import { MirrorError } from "./_errors.js";

/** User ID of the key (the cluster's name in it). */
export const keyUserId = (cluster: string) => `maekin archive signing key (${cluster}) <maekin@${cluster}.invalid>`;

/** The signing key of one state dir. */
export interface SigningKey {
  readonly fingerprint: string;
  /** Writes the binary public key to path (atomically). */
  exportPublic(path: string): Promise<void>;
  /** Writes Release.gpg (detached) and InRelease (clear-signed) beside `release`. */
  sign(release: string, releaseGpg: string, inRelease: string): Promise<void>;
  /** Stops the gpg-agent that key generation and signing started (it would outlive the sync). */
  close(): Promise<void>;
}

/** The key in `home`, made on first use; throws with the fix when gpg is missing. */
export async function ensureSigningKey(home: string, cluster: string): Promise<SigningKey & { created: boolean }> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  const gpg = async (args: readonly string[], input?: string) => {
    try {
      return await execa("gpg", ["--homedir", home, "--batch", "--no-tty", "--quiet", ...args], { input, env: { LC_ALL: "C" } });
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") throw new MirrorError("gpg is not installed; apt-get install gnupg", { code: "MIRROR_TOOL_MISSING", cause: err });
      throw new MirrorError(`gpg ${args[0]} failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { code: "MIRROR_GPG", cause: err });
    }
  };
  const secretFingerprint = async () => {
    const { stdout } = await gpg(["--with-colons", "--list-secret-keys"]).catch(() => ({ stdout: "" }));
    return /^fpr:+([0-9A-F]{40}):/m.exec(stdout)?.[1];
  };
  let fingerprint = await secretFingerprint();
  const created = fingerprint === undefined;
  if (created) {
    await gpg(["--passphrase", "", "--quick-generate-key", keyUserId(cluster), "rsa3072", "sign", "never"]);
    fingerprint = await secretFingerprint();
    if (!fingerprint) throw new MirrorError(`gpg made no key in ${home}`, { code: "MIRROR_GPG" });
  }
  const fpr = fingerprint!;
  return {
    fingerprint: fpr,
    created,
    async exportPublic(path) {
      const { stdout } = await execa("gpg", ["--homedir", home, "--batch", "--export", fpr], { encoding: "buffer" });
      if (stdout.length === 0) throw new MirrorError(`gpg exported nothing for ${fpr}`, { code: "MIRROR_GPG" });
      await writeFile(`${path}.tmp`, stdout, { mode: 0o644 });
      await rename(`${path}.tmp`, path);
    },
    async sign(release, releaseGpg, inRelease) {
      const text = await readFile(release, "utf8");
      const common = ["--local-user", fpr, "--digest-algo", "SHA256", "--yes"];
      await gpg([...common, "--armor", "--detach-sign", "--output", `${releaseGpg}.tmp`], text);
      await gpg([...common, "--clearsign", "--output", `${inRelease}.tmp`], text);
      await rename(`${releaseGpg}.tmp`, releaseGpg);
      await rename(`${inRelease}.tmp`, inRelease);
    },
    async close() {
      await execa("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]).catch(() => undefined);
    },
  };
}
