// Key pairs and their PEM form. ECDSA P-256 with SHA-256: GnuTLS (libvirt's TLS) and OpenSSL
// accept it everywhere, and a key takes under a millisecond to make where RSA 3072 took ~730 ms
// here, which would make a boot storm of registrations wait minutes for key generation.
// Certificates still carry keyEncipherment beside digitalSignature, because libvirt refuses a
// certificate without that bit whatever the key type.
import { crypto, x509, type CryptoKey, type CryptoKeyPair } from "./_x509.js";

/** The algorithm of every maekin key. */
export const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The algorithm of every maekin signature. */
export const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;

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
