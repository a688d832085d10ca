// The benchmark network: a client namespace joined by one veth to maekin's namespace and by
// another to the peers' namespace. Both servers stay up for a whole benchmark, so rounds can
// interleave (maekin, peer, maekin, peer, ...) without restarts.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestNet, type TestNet } from "../test/harness/netns.js";

/**
 * Addresses on the two links; /12 so that DHCP pools hold 1M leases: a 10 s DHCP run after
 * pre-loading 50k leases hands out ~190k more at 19k/s, and a /14 (262k) ran out near its end.
 */
export const MK = { server: "10.80.0.1", client: "10.80.0.2", cidr: 12, subnet: "10.80.0.0/12", pool: ["10.80.1.0", "10.95.255.254"] } as const;
export const PEER = { server: "10.96.0.1", client: "10.96.0.2", cidr: 12, subnet: "10.96.0.0/12", pool: ["10.96.1.0", "10.111.255.254"] } as const;

/** The repository root (where tsx and the sources are). */
export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/** Everything a benchmark gets from the runner. */
export interface BenchContext {
  readonly net: TestNet;
  readonly cli: string;
  readonly mk: string;
  readonly peer: string;
  readonly quick: boolean;
  readonly rounds: number;
  /** Scratch directory for files, configs and client output; removed at the end. */
  readonly tmp: string;
}

/** Makes the three namespaces and the two links. The caller must close ctx.net. */
export async function createBenchNet(quick: boolean, rounds: number): Promise<BenchContext> {
  const net = createTestNet("b");
  const ctx = { net, quick, rounds, tmp: await mkdtemp(join(tmpdir(), "maekin-bench-")) };
  try {
    const cli = await net.netns("cli");
    const mk = await net.netns("mk");
    const peer = await net.netns("peer");
    // br-prov: the interface name the shared example config names, so the master's preflight passes.
    await net.veth({ ns: mk, ifname: "br-prov", cidr: `${MK.server}/${MK.cidr}` }, { ns: cli, ifname: "to-mk", cidr: `${MK.client}/${MK.cidr}` });
    await net.veth({ ns: peer, ifname: "br-prov", cidr: `${PEER.server}/${PEER.cidr}` }, { ns: cli, ifname: "to-peer", cidr: `${PEER.client}/${PEER.cidr}` });
    return { ...ctx, cli, mk, peer };
  } catch (err) {
    await net.close();
    throw err;
  }
}
