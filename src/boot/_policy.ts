// The boot decision seam: what a machine gets, from what DHCP or HTTP says about it, the
// config and the inventory. The protocol servers ask this; they never read either source.
import type { Cluster, Profile } from "../model/cluster.js";
import { nodeByMac } from "../model/cluster.js";
import type { InstallTarget } from "../render/index.js";
import type { HostAnswer } from "../net/dhcp/_types.js";
import { decideBootFile, type BootAnswer, type BootUrls, type MachineFacts } from "./pxe.js";
import { isInstalled } from "../inventory/index.js";
import type { BootStore } from "./_store.js";

/** The iPXE script decision for one machine. */
export type ScriptDecision =
  | { readonly kind: "install"; readonly target: InstallTarget; readonly token: string }
  | { readonly kind: "local"; readonly reason: string };

/** The answer-file decision for one request under /install/:token/. */
export type AnswerDecision =
  | { readonly kind: "file"; readonly target: InstallTarget; readonly token: string }
  | { readonly kind: "denied"; readonly status: 403 | 404; readonly reason: string };

/** Answer files each OS family fetches from /install/:token/. */
const FILES: Record<"debian" | "rhel", readonly string[]> = { debian: ["preseed.cfg", "late.sh"], rhel: ["ks.cfg"] };

/** Everything the protocol servers ask about machines. */
export interface BootPolicy {
  /** DHCP: reservation or pool, or silence. */
  lookup(facts: MachineFacts): HostAnswer;
  /** DHCP: the boot file for the firmware. */
  boot(facts: MachineFacts): BootAnswer | undefined;
  /** DHCP: a machine was heard from. */
  onSeen(facts: MachineFacts): void;
  /** DHCP: the pool must not hand out reserved addresses. */
  isReserved(ip: string): boolean;
  /** HTTP /boot.ipxe: install (with a fresh token, durable when this resolves) or boot the local disk. */
  script(mac: string): Promise<ScriptDecision>;
  /** HTTP /install/:token/:file: which machine's file (its state change recorded), or why not. */
  answer(token: string, file: string): Promise<AnswerDecision>;
}

/** The name an unknown machine gets when it is enrolled: node-<mac without colons>. */
export function enrolledName(mac: string): string {
  return `node-${mac.replaceAll(":", "")}`;
}

/** Creates the boot policy of a cluster over an inventory. */
export function createBootPolicy(options: { cluster: Cluster; store: BootStore; urls: BootUrls }): BootPolicy {
  const { cluster, store, urls } = options;
  const enroll = cluster.config.enroll;
  const reserved = new Set(cluster.nodes.map((n) => n.ip));
  const enrollProfile: Profile | undefined = enroll.profile ? cluster.profiles.get(enroll.profile) : undefined;

  /** The machine a MAC installs as, or why it installs nothing. */
  function target(mac: string): InstallTarget | string {
    const node = nodeByMac(cluster, mac);
    if (node) return { name: node.name, mac, ip: node.ip, profile: node.profileRef };
    if (enroll.unknown !== "install") return `unknown machine ${mac}: enroll.unknown is "${enroll.unknown}"`;
    if (!enrollProfile) return `unknown machine ${mac}: enroll.profile is not set`;
    return { name: store.byMac(mac)?.name ?? enrolledName(mac), mac, profile: enrollProfile };
  }

  return {
    lookup(facts) {
      const node = nodeByMac(cluster, facts.mac);
      if (node) return { allow: true, ip: node.ip, hostname: node.name };
      return enroll.unknown === "install" ? { allow: true, hostname: enrolledName(facts.mac) } : { allow: false };
    },
    boot(facts) {
      const answer = decideBootFile(facts, urls);
      return answer.file ? answer : undefined;
    },
    onSeen(facts) {
      if (enroll.unknown === "ignore" && !nodeByMac(cluster, facts.mac)) return;
      store.seen(facts, nodeByMac(cluster, facts.mac)?.name ?? enrolledName(facts.mac));
    },
    isReserved: (ip) => reserved.has(ip),
    async script(mac) {
      const machine = target(mac);
      if (typeof machine === "string") return { kind: "local", reason: machine };
      const record = store.byMac(mac);
      if (record && isInstalled(record.state))
        return { kind: "local", reason: `${record.name} is ${record.state}; \`maekin nodes reinstall ${record.name}\` installs it again` };
      if (record?.state === "failed")
        return { kind: "local", reason: `${record.name} failed; \`maekin nodes reinstall ${record.name}\` tries again` };
      const token = await store.startInstall({ name: machine.name, mac, profile: machine.profile.name, ...(machine.ip ? { ip: machine.ip } : {}) });
      return { kind: "install", target: machine, token };
    },
    async answer(token, file) {
      const record = store.byToken(token);
      if (!record) return { kind: "denied", status: 403, reason: "unknown or expired install token" };
      const machine = target(record.mac);
      if (typeof machine === "string") return { kind: "denied", status: 404, reason: machine };
      const family = machine.profile.family === "debian" ? "debian" : "rhel";
      if (!FILES[family].includes(file))
        return { kind: "denied", status: 404, reason: `${machine.name} installs ${machine.profile.os}: its files are ${FILES[family].join(", ")}` };
      if (file !== "late.sh") await store.advance(machine.name, "installing", "answer.fetched");
      return { kind: "file", target: machine, token };
    },
  };
}
