// Checks across fields of maekin.yaml. They run on every section that parsed on its own, so a
// structural mistake in one place does not hide a semantic one elsewhere.
import { hint } from "./_didyoumean.js";
import type { RawIssue } from "./_issues.js";
import * as fields from "./_fields.js";
import { sectionSchemas } from "./_schema.js";
import { formatIpv4, isHostOf, parseCidr, parseIpv4, parseRange, type Subnet } from "../model/ipv4.js";

type Path = (string | number)[];

function parsed<T>(schema: { safeParse(v: unknown): { success: boolean; data?: T } }, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A node's fields that parsed on their own (a bad MAC does not hide a duplicate IP). */
interface NodeFields { name?: string; mac?: string; ip?: string; profile?: string }

function nodeFields(raw: unknown): NodeFields {
  const r = record(raw);
  return {
    name: parsed(fields.hostLabel, r.name),
    mac: parsed(fields.mac, r.mac),
    ip: parsed(fields.ipv4, r.ip),
    profile: parsed(fields.profileName, r.profile),
  };
}

/** Cross-field problems of a raw (YAML-decoded) config. */
export function semanticIssues(raw: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const add = (path: Path, message: string) => issues.push({ path, message });
  const top = record(raw);
  const rawNetwork = record(top.network);
  const rawDhcp = record(rawNetwork.dhcp);
  const master = { address: parsed(fields.ipv4, record(top.master).address) };
  const network = {
    subnet: parsed(fields.cidr, rawNetwork.subnet),
    gateway: parsed(fields.ipv4, rawNetwork.gateway),
    pool: parsed(fields.range, rawDhcp.pool),
    mode: rawDhcp.mode ?? "authoritative",
  };
  const enroll = parsed(sectionSchemas.enroll, top.enroll ?? {});
  const profileNames = Object.keys(record(top.profiles));
  const nodes = (Array.isArray(top.nodes) ? top.nodes : []).map(nodeFields);
  const subnet: Subnet | undefined = network.subnet ? parseCidr(network.subnet) : undefined;
  const masterIp = master.address ? parseIpv4(master.address) : undefined;
  const gatewayIp = network.gateway ? parseIpv4(network.gateway) : undefined;

  if (subnet) {
    const inside = `inside subnet ${network.subnet}`;
    if (masterIp !== undefined && !isHostOf(masterIp, subnet))
      add(["master", "address"], `${master.address} is not a host address ${inside}; give the master an address of the provisioning subnet`);
    if (gatewayIp !== undefined && !isHostOf(gatewayIp, subnet))
      add(["network", "gateway"], `${network.gateway} is not a host address ${inside}; the gateway must be reachable on the provisioning network`);
    nodes.forEach((node, i) => {
      const ip = node.ip ? parseIpv4(node.ip) : undefined;
      if (ip !== undefined && !isHostOf(ip, subnet))
        add(["nodes", i, "ip"], `${node.ip} is not a host address ${inside}; reserve an address of the provisioning subnet`);
    });
  }

  // Reserved addresses must not be the master's or the gateway's.
  nodes.forEach((node, i) => {
    const ip = node.ip ? parseIpv4(node.ip) : undefined;
    if (ip !== undefined && ip === masterIp) add(["nodes", i, "ip"], `${node.ip} is the master's own address; pick another`);
    else if (ip !== undefined && ip === gatewayIp) add(["nodes", i, "ip"], `${node.ip} is the gateway's address; pick another`);
  });

  if (network.pool) poolIssues(network.pool, subnet, network.subnet ?? "", masterIp, gatewayIp, nodes, add);

  uniqueness(nodes, "name", add);
  uniqueness(nodes, "mac", add);
  uniqueness(nodes, "ip", add);

  nodes.forEach((node, i) => {
    if (node.profile && !profileNames.includes(node.profile))
      add(["nodes", i, "profile"], `profile "${node.profile}" is not defined under profiles${hint(node.profile, profileNames)}; defined: ${profileNames.join(", ") || "none"}`);
  });

  if (enroll?.profile && !profileNames.includes(enroll.profile))
    add(["enroll", "profile"], `profile "${enroll.profile}" is not defined under profiles${hint(enroll.profile, profileNames)}`);
  if (enroll?.unknown === "install") {
    if (!enroll.profile) add(["enroll", "unknown"], `"install" needs enroll.profile: the profile that unknown machines get`);
    if (network.mode === "authoritative" && !network.pool)
      add(["enroll", "unknown"], `"install" in authoritative DHCP mode needs network.dhcp.pool, the addresses unknown machines get`);
  }
  return issues;
}

function poolIssues(
  pool: string, subnet: Subnet | undefined, subnetText: string, masterIp: number | undefined,
  gatewayIp: number | undefined, nodes: NodeFields[], add: (path: Path, message: string) => void,
): void {
  const range = parseRange(pool);
  if (!range) return;
  const path = ["network", "dhcp", "pool"];
  if (subnet && !(isHostOf(range.start, subnet) && isHostOf(range.end, subnet))) {
    add(path, `${pool} is not inside subnet ${subnetText}; pick a range of its host addresses`);
    return;
  }
  const within = (ip: number | undefined) => ip !== undefined && ip >= range.start && ip <= range.end;
  if (within(masterIp)) add(path, `${pool} contains the master's address ${formatIpv4(masterIp!)}; move the pool clear of it`);
  if (within(gatewayIp)) add(path, `${pool} contains the gateway ${formatIpv4(gatewayIp!)}; move the pool clear of it`);
  nodes.forEach((node, i) => {
    const ip = node.ip ? parseIpv4(node.ip) : undefined;
    if (within(ip)) add(path, `${pool} contains ${node.ip}, reserved for nodes[${i}]; move the pool or the reservation`);
  });
}

function uniqueness(
  nodes: NodeFields[],
  key: "name" | "mac" | "ip",
  add: (path: Path, message: string) => void,
): void {
  const seen = new Map<string, number>();
  nodes.forEach((node, i) => {
    const value = node[key];
    if (value === undefined) return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else add(["nodes", i, key], `${key} ${value} is already used by nodes[${first}] (${nodes[first]!.name ?? "unnamed"}); each node needs its own`);
  });
}
