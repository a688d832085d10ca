// Node certificates for libvirt TLS: one key pair and certificate per node, used both as
// libvirtd's server certificate and as its client certificate (live migration connects out),
// hence serverAuth + clientAuth. libvirt (GnuTLS) checks the peer name against the SANs, and the
// key usage bits digitalSignature and keyEncipherment.
import { createHash, generateKeyPair, KeyObject, sign } from "node:crypto";
import { promisify } from "node:util";
import { isIP } from "node:net";
import { domainProblem, hostLabelProblem } from "../model/hostname.js";
import { BACKDATE_MS, type ClusterCa, type Clock } from "./_ca.js";
import { PkiError } from "./_errors.js";
import { bits, children, integer, octets, oid, seq, set, time, tlv, TRUE, utf8 } from "./_der.js";
import { KEY_ALGORITHM, randomSerial } from "./_keys.js";
import { x509 } from "./_x509.js";

/** Who the certificate is for. */
export interface NodeIdentity {
  /** Short host name, e.g. "node1". */
  readonly hostname: string;
  /** Fully qualified name, e.g. "node1.lab.example". */
  readonly fqdn: string;
  /** The node's address on the cluster network. */
  readonly ip: string;
}

/** An issued node certificate; keyPem is the only copy of the private key. */
export interface NodeCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** Hex serial, for the inventory (setCertificateSerial) and later revocation. */
  readonly serial: string;
  readonly notAfter: Date;
}

/** Options of issueNodeCertificate. */
export interface IssueOptions {
  readonly clock?: Clock;
  /** Lifetime (default 1095 days: there is no automatic renewal yet). */
  readonly validityDays?: number;
}

/** Where libvirt looks for its TLS files on a node (libvirt.org/kbase/tlscerts.html). */
export const LIBVIRT_TLS_PATHS = {
  caCert: "/etc/pki/CA/cacert.pem",
  serverCert: "/etc/pki/libvirt/servercert.pem",
  serverKey: "/etc/pki/libvirt/private/serverkey.pem",
  clientCert: "/etc/pki/libvirt/clientcert.pem",
  clientKey: "/etc/pki/libvirt/private/clientkey.pem",
} as const;

const DAY = 86_400_000;
const generateKeyPairAsync = promisify(generateKeyPair);
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

function check(id: NodeIdentity): void {
  const problem = hostLabelProblem(id.hostname) && `hostname "${id.hostname}" ${hostLabelProblem(id.hostname)}`
    || domainProblem(id.fqdn) && `fqdn "${id.fqdn}" ${domainProblem(id.fqdn)}`
    || (!id.fqdn.includes(".") || id.fqdn.split(".")[0] !== id.hostname) && `fqdn "${id.fqdn}" must be hostname "${id.hostname}" followed by the domain`
    || isIP(id.ip) === 0 && `ip "${id.ip}" is not an IP address`;
  if (problem) throw new PkiError("invalid-argument", `cannot issue a node certificate: ${problem}`);
}

/** What every certificate of one CA shares, worked out once per CA. */
interface Issuer {
  /** The CA certificate's subject, byte for byte: chain building compares it with our issuer field. */
  readonly name: Buffer;
  readonly organization: string;
  readonly keyId: Buffer;
  readonly signingKey: KeyObject;
}

const issuers = new WeakMap<ClusterCa, Promise<Issuer>>();

async function issuerOf(ca: ClusterCa): Promise<Issuer> {
  const algorithm = ca.privateKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name !== KEY_ALGORITHM.name || algorithm.namedCurve !== KEY_ALGORITHM.namedCurve) {
    throw new PkiError("invalid-argument", `the cluster CA key is ${algorithm.name} ${algorithm.namedCurve ?? ""}; maekin signs with ECDSA P-256 only: move the CA dir aside to make a new CA`);
  }
  // Certificate > TBSCertificate > [version, serial, signature, issuer, validity, subject, ...]
  const tbs = children(children(Buffer.from(ca.cert.rawData))[0]!);
  const name = tbs[5];
  if (!name) throw new PkiError("invalid-argument", "the cluster CA certificate has no subject: move the CA dir aside to make a new CA");
  return {
    name,
    organization: ca.cert.subjectName.getField("O")[0] ?? "maekin",
    keyId: Buffer.from((await x509.AuthorityKeyIdentifierExtension.create(ca.cert)).keyId ?? "", "hex"),
    signingKey: KeyObject.from(ca.privateKey),
  };
}

const OID = {
  ecdsaWithSha256: oid("1.2.840.10045.4.3.2"),
  commonName: oid("2.5.4.3"),
  organization: oid("2.5.4.10"),
  basicConstraints: oid("2.5.29.19"),
  keyUsage: oid("2.5.29.15"),
  extKeyUsage: oid("2.5.29.37"),
  subjectAltName: oid("2.5.29.17"),
  subjectKeyId: oid("2.5.29.14"),
  authorityKeyId: oid("2.5.29.35"),
};

/** keyUsage digitalSignature (bit 0) and keyEncipherment (bit 2): 101xxxxx, 5 unused bits. */
const KEY_USAGE = bits(Buffer.from([0xa0]), 5);

const extension = (id: Buffer, value: Buffer, critical = false) => seq(id, ...(critical ? [TRUE] : []), octets(value));

/** The address bytes of an iPAddress SAN (RFC 5280 section 4.2.1.6): 4 for IPv4, 16 for IPv6. */
function addressBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.includes("::") ? ip.split("::") : [ip, ""];
  const groups = (text: string) => (text ? text.split(":") : []);
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return Buffer.from(all.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 0xff]; }));
}

/** RFC 7468 text: base64 in 64-character lines. */
const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END ${label}-----`;

const EC_P256 = seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")); // id-ecPublicKey, prime256v1

/**
 * SubjectPublicKeyInfo (RFC 5480) and PKCS#8 (RFC 5208 around RFC 5915's ECPrivateKey) of a P-256
 * pair, written from its JWK: OpenSSL 3's own encoders took ~0.9 ms per key, five times the key
 * generation itself.
 */
function encodeKeyPair(keys: { privateKey: KeyObject }): { spki: Buffer; pkcs8: Buffer } {
  const jwk = keys.privateKey.export({ format: "jwk" });
  const part = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
  const point = Buffer.concat([Buffer.from([4]), part(jwk.x), part(jwk.y)]);
  const d = part(jwk.d);
  if (point.length !== 65 || d.length !== 32) throw new PkiError("invalid-argument", "key generation returned a key that is not P-256; is node's OpenSSL built without it?");
  return {
    spki: seq(EC_P256, bits(point)),
    pkcs8: seq(integer(Buffer.from([0])), EC_P256, octets(seq(integer(Buffer.from([1])), octets(d), tlv(0xa1, bits(point))))),
  };
}

/** Issues a certificate for a node, signed by the cluster CA, with a new key pair. */
export async function issueNodeCertificate(ca: ClusterCa, id: NodeIdentity, options: IssueOptions = {}): Promise<NodeCertificate> {
  check(id);
  const now = options.clock?.now() ?? Date.now();
  let pending = issuers.get(ca);
  if (!pending) {
    pending = issuerOf(ca);
    issuers.set(ca, pending);
  }
  const issuer = await pending;
  const { spki, pkcs8 } = encodeKeyPair(await generateKeyPairAsync("ec", { namedCurve: "P-256" }));
  // RFC 5280 section 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the 65-byte point).
  const keyId = createHash("sha1").update(spki.subarray(spki.length - 65)).digest();
  const notAfter = new Date(Math.min(now + (options.validityDays ?? 1095) * DAY, ca.notAfter.getTime()));
  const serial = randomSerial();
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(Buffer.from(serial, "hex")),
    seq(OID.ecdsaWithSha256),
    issuer.name,
    seq(time(new Date(now - BACKDATE_MS)), time(notAfter)),
    seq(set(seq(OID.commonName, utf8(id.fqdn))), set(seq(OID.organization, utf8(issuer.organization)))),
    spki,
    tlv(0xa3, seq(
      extension(OID.basicConstraints, seq(), true),
      extension(OID.keyUsage, KEY_USAGE, true),
      extension(OID.extKeyUsage, seq(oid(SERVER_AUTH), oid(CLIENT_AUTH))),
      extension(OID.subjectAltName, seq(
        tlv(0x82, Buffer.from(id.hostname, "ascii")),
        tlv(0x82, Buffer.from(id.fqdn, "ascii")),
        tlv(0x87, addressBytes(id.ip)),
      )),
      extension(OID.subjectKeyId, octets(keyId)),
      extension(OID.authorityKeyId, seq(tlv(0x80, issuer.keyId))),
    )),
  );
  const signature = sign("sha256", tbs, issuer.signingKey); // DER ECDSA-Sig-Value, as X.509 carries it
  const der = seq(tbs, seq(OID.ecdsaWithSha256), bits(signature));
  return { certPem: pem("CERTIFICATE", der), keyPem: pem("PRIVATE KEY", pkcs8), serial, notAfter };
}
