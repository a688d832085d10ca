// The lab's maekin.yaml: the shared example's shape (master 10.77.0.1 on br-prov, 10.77.0.0/24,
// nodes node01..NN) with the lab's nodes, one Debian profile with a plain (non-LVM) disk layout
// and unknown machines only discovered. Pure: the text comes from the plan.
import { LAB_NETWORK, type LabPlan } from "./_plan.js";

/** First line of a config the lab wrote (so `lab down --purge` knows it may delete it). */
export const LAB_CONFIG_HEADER = "# maekin lab config, written by `maekin lab up`";

/** crypt(3) SHA-512 of "maekin", the shared example's lab password. */
const LAB_PASSWORD_HASH = "$6$maekinlab$jcGby7Sw4D.3DEHlK/Ap9G1rH6gM2U4Vyjq9/raDsG94nCWaGSgY2q3LNg1YQ/nLUmzkkDHCf1ROnluBXXGYj0";

/** The lab config's cluster domain. */
export const LAB_DOMAIN = "cloud.test";

/** The lab's profile name. */
export const LAB_PROFILE = "debian-12";

/** The YAML text of the lab's config for this plan. */
export function labConfigText(plan: Pick<LabPlan, "nodes" | "namespace">): string {
  const n = LAB_NETWORK;
  const url = `http://${n.masterAddress}:${n.httpPort}`;
  return `${LAB_CONFIG_HEADER} for namespace ${plan.namespace}.
# Root password of the installed nodes: "maekin". Edit freely; \`maekin lab up -c FILE\` uses your own.
cluster:
  name: lab
  domain: ${LAB_DOMAIN}

master:
  interface: ${n.bridge}
  address: ${n.masterAddress}
  http:
    port: ${n.httpPort}

network:
  subnet: ${n.subnet}
  gateway: ${n.masterAddress}
  dns: [${n.masterAddress}]
  dhcp:
    mode: authoritative
    pool: ${n.pool}
    leaseTime: 1h

# The master's own signed mirror, built by \`maekin mirror sync\` (\`lab up\` runs it when it is missing).
mirror:
  debian: ${url}/mirror/debian

profiles:
  ${LAB_PROFILE}:
    os: debian-12
    # LVM cannot be installed in this lab; a plain partition layout can.
    disk: { device: auto, layout: regular }
    bridge: { name: br0 }
    # Lab nodes are QEMU guests, usually without nested KVM: their own VMs would run emulated.
    kvm: optional
    rootPassword:
      hash: "${LAB_PASSWORD_HASH}"
    sshKeys: []
    packages: []

nodes:
${plan.nodes.map((node) => `  - { name: ${node.name}, mac: "${node.mac}", ip: ${node.ip}, profile: ${LAB_PROFILE} }`).join("\n")}

enroll:
  unknown: discover
`;
}
