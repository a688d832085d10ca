// The cluster CA: made at the master's first start in <stateDir>/pki, loaded on every later one.
// The key is written (atomically, 0600) before the certificate, so a crash in between leaves a key
// without a certificate, and the next start makes the certificate from that same key.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../state/index.js";
import { PkiError } from "./_errors.js";
import { generateKeys, importPrivateKey, privateKeyPem, randomSerial, SIGNING_ALGORITHM } from "./_keys.js";
import { crypto, x509, type CryptoKey } from "./_x509.js";

/** Wall clock in ms since the epoch; injected so tests control validity dates. */
export interface Clock {
  now(): number;
}

/** The loaded cluster CA. The signing key stays inside; files hold the rest. */
export interface ClusterCa {
  /** CA certificate (PEM): what nodes install as /etc/pki/CA/cacert.pem. */
  readonly certPem: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly subject: string;
  /** Hex serial of the CA certificate. */
  readonly serial: string;
  readonly notAfter: Date;
  /** @internal the parsed certificate and signing key, for issueNodeCertificate. */
  readonly cert: x509.X509Certificate;
  /** @internal */
  readonly privateKey: CryptoKey;
}

/** Options of ensureCa. */
export interface CaOptions {
  readonly clock?: Clock;
  /** Lifetime of a new CA certificate (default 3650 days). */
  readonly validityDays?: number;
}

/** Where the CA files live inside the state dir. */
export function caPaths(stateDir: string): { dir: string; cert: string; key: string } {
  const dir = join(stateDir, "pki");
  return { dir, cert: join(dir, "ca-cert.pem"), key: join(dir, "ca-key.pem") };
}

const DAY = 86_400_000;
/** Certificates start an hour early: freshly installed nodes may run before NTP fixed their clocks. */
export const BACKDATE_MS = 3_600_000;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PkiError("ca-invalid", `cannot read ${path}: ${(err as Error).message}; run as the user that owns the state dir`, { cause: err });
  }
}

async function selfSign(clusterName: string, privateKey: CryptoKey, publicKey: CryptoKey, options: CaOptions): Promise<x509.X509Certificate> {
  const now = options.clock?.now() ?? Date.now();
  const name: x509.JsonName = [{ CN: [`maekin CA ${clusterName}`] }, { O: [clusterName] }];
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (options.validityDays ?? 3650) * DAY),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys: { privateKey, publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
}

/** The public half of a private key, from its JWK (WebCrypto cannot derive it directly). */
async function publicKeyOf(privateKey: CryptoKey): Promise<CryptoKey> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", privateKey);
  return crypto.subtle.importKey("jwk", { kty, crv, x, y }, privateKey.algorithm as EcKeyImportParams, true, ["verify"]);
}

type EcKeyImportParams = { name: string; namedCurve: string };

/** Creates the cluster CA in <stateDir>/pki on first call and loads it afterwards. */
export async function ensureCa(stateDir: string, clusterName: string, options: CaOptions = {}): Promise<ClusterCa> {
  const paths = caPaths(stateDir);
  await ensurePrivateDir(paths.dir);
  let keyPem = await readIfExists(paths.key);
  let certPem = await readIfExists(paths.cert);
  if (certPem !== undefined && keyPem === undefined) {
    throw new PkiError("ca-incomplete",
      `${paths.cert} exists but its key ${paths.key} does not; restore the key from a backup, or move ${paths.dir} aside to make a new CA (every node must then re-register)`);
  }
  let privateKey: CryptoKey;
  if (keyPem === undefined) {
    const keys = await generateKeys();
    privateKey = keys.privateKey;
    keyPem = await privateKeyPem(privateKey);
    await writeFileAtomic(paths.key, keyPem, 0o600);
  } else {
    try {
      privateKey = await importPrivateKey(keyPem);
    } catch (err) {
      throw new PkiError("ca-invalid", `${paths.key} is not a PKCS#8 ECDSA P-256 key (${(err as Error).message}); restore it from a backup`, { cause: err });
    }
  }
  const publicKey = await publicKeyOf(privateKey);
  if (certPem === undefined) {
    const cert = await selfSign(clusterName, privateKey, publicKey, options);
    certPem = cert.toString("pem");
    await writeFileAtomic(paths.cert, `${certPem}\n`, 0o644);
  }
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new PkiError("ca-invalid", `${paths.cert} is not a PEM certificate (${(err as Error).message}); delete it to make a new one from the same key`, { cause: err });
  }
  const spki = Buffer.from(await crypto.subtle.exportKey("spki", publicKey));
  if (!spki.equals(Buffer.from(cert.publicKey.rawData))) {
    throw new PkiError("ca-invalid", `${paths.cert} does not belong to the key ${paths.key}; restore the matching pair, or delete the certificate to make a new one from the key`);
  }
  return {
    certPem: cert.toString("pem"),
    certPath: paths.cert,
    keyPath: paths.key,
    subject: cert.subject,
    serial: cert.serialNumber,
    notAfter: cert.notAfter,
    cert,
    privateKey,
  };
}
