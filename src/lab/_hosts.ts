// Names inside the lab's namespace: `ip netns exec` bind-mounts /etc/netns/<ns>/hosts over
// /etc/hosts, so the master (and an admin's `ip netns exec <ns> virsh -c qemu+tls://node01/system`)
// finds the nodes by the names their libvirt certificates carry.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LabPlan } from "./_plan.js";

/** Where `ip netns exec` looks for a namespace's own /etc files. */
export const netnsEtc = (ns: string, root = "/etc/netns"): string => join(root, ns);

/** The hosts file of the lab: localhost, the master, and every node by short name and fqdn. */
export function labHostsText(plan: Pick<LabPlan, "nodes" | "masterCidr">, domain: string): string {
  const master = plan.masterCidr.split("/")[0];
  const lines = [
    "127.0.0.1 localhost",
    `${master} maekin-master.${domain} maekin-master`,
    ...plan.nodes.map((n) => `${n.ip} ${n.name}.${domain} ${n.name}`),
  ];
  return `# written by \`maekin lab up\`; removed by \`maekin lab down\`\n${lines.join("\n")}\n`;
}

/** Writes the namespace's hosts file. */
export async function writeLabHosts(plan: LabPlan, domain: string, root?: string): Promise<void> {
  const dir = netnsEtc(plan.namespace, root);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "hosts"), labHostsText(plan, domain), { mode: 0o644 });
}

/** Removes /etc/netns/<ns> (only the files the lab wrote live there); true when it was there. */
export async function removeLabHosts(ns: string, root?: string): Promise<boolean> {
  const dir = netnsEtc(ns, root);
  const existed = await rm(join(dir, "hosts")).then(() => true, () => false);
  await rm(dir, { recursive: true, force: true });
  return existed;
}
