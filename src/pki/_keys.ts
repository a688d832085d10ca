// Key pairs and their PEM form. RSA 3072 with SHA-256: what libvirt documents for its TLS
// certificates (certtool templates with signing_key + encryption_key), which GnuTLS on every
// distribution accepts, and which gives keyEncipherment a meaning (libvirt checks that bit).
import { crypto, x509, type CryptoKey, type CryptoKeyPair } from "./_x509.js";

/** The algorithm of every maekin key and signature. */
export const KEY_ALGORITHM = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 3072,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
} as const;

/** A new extractable key pair. */
export async function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY") of a private key, as GnuTLS and OpenSSL read it. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** The signing key in a PKCS#8 PEM. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const [der] = x509.PemConverter.decode(pem);
  if (!der) throw new Error("no PEM block");
  return crypto.subtle.importKey("pkcs8", der, KEY_ALGORITHM, true, ["sign"]);
}

/** A positive 128-bit serial in hex, as RFC 5280 section 4.1.2.2 asks (at most 20 octets, unique). */
export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Clear the sign bit and keep the first octet non-zero so DER neither pads nor trims it.
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return Buffer.from(bytes).toString("hex");
}
