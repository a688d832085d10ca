// The master's own libvirt client credentials: a certificate from the cluster CA in a folder
// laid out for virsh's `pkipath=` URI parameter, so an admin on the master can run
// `virsh -c 'qemu+tls://node01.<domain>/system?pkipath=<stateDir>/pki/libvirt-client' ...`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../state/index.js";
import { caPaths, type ClusterCa } from "./_ca.js";
import { issueNodeCertificate } from "./_issue.js";

/** The host label the master's client certificate names. */
export const MASTER_CLIENT_NAME = "maekin-master";

/** The folder virsh's pkipath= points at (cacert.pem, clientcert.pem, clientkey.pem). */
export function libvirtClientDir(stateDir: string): string {
  return join(caPaths(stateDir).dir, "libvirt-client");
}

/** The URI the master uses to reach a node's libvirt over TLS. */
export function libvirtUri(stateDir: string, nodeFqdn: string): string {
  return `qemu+tls://${nodeFqdn}/system?pkipath=${libvirtClientDir(stateDir)}`;
}

/**
 * Makes sure the master's client certificate exists and belongs to the current CA: it is issued
 * again when the folder is missing or holds another CA's certificate. Returns the folder.
 */
export async function ensureLibvirtClient(stateDir: string, ca: ClusterCa, id: { domain: string; ip: string }): Promise<string> {
  const dir = libvirtClientDir(stateDir);
  const current = await readFile(join(dir, "cacert.pem"), "utf8").catch(() => undefined);
  const haveCert = await readFile(join(dir, "clientcert.pem"), "utf8").then(() => true, () => false);
  if (current === ca.certPem && haveCert) return dir;
  const cert = await issueNodeCertificate(ca, { hostname: MASTER_CLIENT_NAME, fqdn: `${MASTER_CLIENT_NAME}.${id.domain}`, ip: id.ip });
  // The key first and the CA last: a crash in between leaves a mismatch that the next start repairs.
  await writeFileAtomic(join(dir, "clientkey.pem"), cert.keyPem, 0o600);
  await writeFileAtomic(join(dir, "clientcert.pem"), cert.certPem, 0o644);
  await writeFileAtomic(join(dir, "cacert.pem"), ca.certPem, 0o644);
  return dir;
}
