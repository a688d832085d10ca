// Installing the node's libvirt TLS material where libvirt looks, and turning its TLS
// listener on, so `virsh -c qemu+tls://<node>/system` works from the master and other nodes.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../state/index.js";

/** What registration returns for libvirt TLS. */
export interface TlsBundle {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/** The files libvirt reads (libvirt's default PKI paths), relative to the root, with modes. */
export function tlsFiles(bundle: TlsBundle): { path: string; content: string; mode: number }[] {
  return [
    { path: "etc/pki/CA/cacert.pem", content: bundle.caCert, mode: 0o644 },
    { path: "etc/pki/libvirt/servercert.pem", content: bundle.cert, mode: 0o644 },
    { path: "etc/pki/libvirt/clientcert.pem", content: bundle.cert, mode: 0o644 },
    { path: "etc/pki/libvirt/private/serverkey.pem", content: bundle.key, mode: 0o600 },
    { path: "etc/pki/libvirt/private/clientkey.pem", content: bundle.key, mode: 0o600 },
  ];
}

/**
 * systemctl calls that enable the TLS listener: RHEL 9 runs the modular daemons (virtproxyd
 * speaks TLS for them), Debian 12 runs monolithic libvirtd with its own TLS socket unit.
 */
export function tlsListenerArgv(modular: boolean): string[][] {
  return modular
    ? [["systemctl", "enable", "--now", "virtproxyd-tls.socket"]]
    : [["systemctl", "stop", "libvirtd.service"], ["systemctl", "enable", "--now", "libvirtd-tls.socket"], ["systemctl", "start", "libvirtd.service"]];
}

/** Installs the bundle under root; with root "/" also enables the TLS listener through `run`. */
export async function installTls(root: string, bundle: TlsBundle, run: (argv: readonly string[]) => Promise<string>): Promise<void> {
  for (const file of tlsFiles(bundle)) await writeFileAtomic(join(root, file.path), file.content, file.mode);
  if (root !== "/") return;
  const modular = await access("/usr/lib/systemd/system/virtproxyd-tls.socket", constants.F_OK).then(() => true, () => false);
  for (const argv of tlsListenerArgv(modular)) await run(argv);
}
