// Node secrets (install tokens, agent keys): 256 random bits, shown once, stored as SHA-256.
// A plain SHA-256 is enough here, unlike for passwords: the input has 256 bits of entropy, so
// there is nothing to brute-force and no need for a slow, salted KDF; and being deterministic,
// the hash can be looked up by an index (getByToken). Timing of that lookup leaks at most a
// prefix of the hash, which tells an attacker nothing about any preimage.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A fresh secret: "mk" and 32 random bytes in base64url (45 URL- and path-safe characters). The
 * prefix makes it recognizable in a leaked-secret scan, and a secret that started with "-" (one
 * in 64 did) read as an option when passed on a command line (`maekin agent --token -x...`).
 */
export function newSecret(): string {
  return `mk${randomBytes(32).toString("base64url")}`;
}

/** The stored form of a secret: lower-case hex SHA-256. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** True when `secret` hashes to `storedHash`; constant time in the secret. */
export function secretMatches(secret: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  // Both are SHA-256 digests, so the lengths only differ for a corrupt row.
  return given.length === stored.length && timingSafeEqual(given, stored);
}
