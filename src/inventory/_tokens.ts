// Node secrets (install tokens, agent keys): 256 random bits, shown once, stored as SHA-256.
// A plain SHA-256 is enough here, unlike for passwords: the input has 256 bits of entropy, so
// there is nothing to brute-force and no need for a slow, salted KDF; and being deterministic,
// the hash can be looked up by an index (getByToken). Timing of that lookup leaks at most a
// prefix of the hash, which tells an attacker nothing about any preimage.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh secret: 32 random bytes, base64url (43 URL- and path-safe characters). */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
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
