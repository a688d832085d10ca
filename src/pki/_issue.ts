// Node certificates for libvirt TLS: one key pair and certificate per node, used both as
// libvirtd's server certificate and as its client certificate (live migration connects out),
// hence serverAuth + clientAuth. libvirt (GnuTLS) checks the peer name against the SANs, and the
// key usage bits digitalSignature and keyEncipherment.
import { isIP } from "node:net";
import { domainProblem, hostLabelProblem } from "../model/hostname.js";
import { BACKDATE_MS, type ClusterCa, type Clock } from "./_ca.js";
import { PkiError } from "./_errors.js";
import { generateKeys, privateKeyPem, randomSerial, SIGNING_ALGORITHM } from "./_keys.js";
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
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

function check(id: NodeIdentity): void {
  const problem = hostLabelProblem(id.hostname) && `hostname "${id.hostname}" ${hostLabelProblem(id.hostname)}`
    || domainProblem(id.fqdn) && `fqdn "${id.fqdn}" ${domainProblem(id.fqdn)}`
    || (!id.fqdn.includes(".") || id.fqdn.split(".")[0] !== id.hostname) && `fqdn "${id.fqdn}" must be hostname "${id.hostname}" followed by the domain`
    || isIP(id.ip) === 0 && `ip "${id.ip}" is not an IP address`;
  if (problem) throw new PkiError("invalid-argument", `cannot issue a node certificate: ${problem}`);
}

/** Issues a certificate for a node, signed by the cluster CA, with a new key pair. */
export async function issueNodeCertificate(ca: ClusterCa, id: NodeIdentity, options: IssueOptions = {}): Promise<NodeCertificate> {
  check(id);
  const now = options.clock?.now() ?? Date.now();
  const keys = await generateKeys();
  const notAfter = new Date(Math.min(now + (options.validityDays ?? 1095) * DAY, ca.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [id.fqdn] }, { O: [ca.cert.subjectName.getField("O")[0] ?? "maekin"] }],
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: id.hostname },
        { type: "dns", value: id.fqdn },
        { type: "ip", value: id.ip },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey), serial: cert.serialNumber, notAfter };
}
