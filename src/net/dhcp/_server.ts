// The socket adapter: binds UDP sockets, feeds datagrams to the handler, sends its replies.
//
// Why two sockets per port: broadcasts (255.255.255.255) only reach a socket bound to 0.0.0.0,
// but Linux refuses to send to 255.255.255.255 from such a socket without a default route
// (ENETUNREACH). A second socket bound to serverAddress:port (SO_REUSEADDR) sends, and picks the
// interface that owns serverAddress. node has no SO_BINDTODEVICE, so `interface` cannot restrict
// the receiving socket; the handler filters by subnet instead.
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { formatIpv4, parseIpv4 } from "../../model/ipv4.js";
import { PXE_PORT, SERVER_PORT } from "./_constants.js";
import { handleDatagram, type HandlerContext } from "./_handler.js";
import { createLeaseStore, type LeaseStore } from "./_lease-store.js";
import { encodePacket } from "./_packet.js";
import { createLeasePool, type LeasePool } from "./_pool.js";
import { DEFAULT_PORTS } from "./_reply.js";
import { udpDrops } from "./_udp-drops.js";
import { DhcpError } from "./errors.js";
import type { DhcpServer, DhcpServerOptions } from "./_types.js";

function parseCidr(cidr: string): { base: number; mask: number; broadcast: number } {
  const [addr, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const n = parseIpv4(addr ?? "");
  if (n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new DhcpError("bad-options", `subnet "${cidr}" is not CIDR like 10.0.0.0/24`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = (n & mask) >>> 0;
  return { base, mask, broadcast: (base | (~mask >>> 0)) >>> 0 };
}

/** Receive buffer asked for each socket: a boot storm of 1000 nodes overran the default (~208 KiB,
 * a few hundred datagrams) while the loop was busy. The kernel caps it at net.core.rmem_max. */
export const RECV_BUFFER_BYTES = 8 * 1024 * 1024;

/** Drops the kernel counted on our sockets (undefined where there is no /proc/net/udp). */
function socketDrops(ports: readonly number[]): number | undefined {
  try { return udpDrops(readFileSync("/proc/net/udp", "utf8"), ports); } catch { return undefined; }
}

function bind(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: "udp4", reuseAddr: true });
    s.once("error", (err) => {
      s.close();
      reject(new DhcpError("bind-failed", `cannot bind UDP ${address}:${port}: ${err.message}; is another DHCP server running, or are we not root?`, { cause: err }));
    });
    s.bind(port, address, () => {
      s.removeAllListeners("error");
      s.setBroadcast(true);
      resolve(s);
    });
  });
}

/** Creates the DHCP server; nothing is bound until start(). */
export function createDhcpServer(o: DhcpServerOptions): DhcpServer {
  const net = parseCidr(o.subnet);
  const counters: Record<string, number> = {};
  const count = (key: string) => { counters[key] = (counters[key] ?? 0) + 1; };
  const sockets: Socket[] = [];
  const ports: number[] = []; // bound, for the kernel's drop counts
  let inflight = 0; // datagrams being answered; close() waits for them
  const idle: (() => void)[] = [];
  let pool: LeasePool | undefined;
  let store: LeaseStore | undefined;
  let ctx: HandlerContext | undefined;

  if (o.mode === "authoritative") {
    if (!o.pool) throw new DhcpError("bad-options", "authoritative mode needs a pool {start, end}; add network.dhcp.pool");
    const exclude = [o.serverAddress, ...(o.gateway ? [o.gateway] : [])];
    pool = createLeasePool({
      start: o.pool.start, end: o.pool.end, exclude, clock: o.clock,
      ...(o.policy.isReserved ? { isReserved: (ip: string) => o.policy.isReserved?.(ip) ?? false } : {}),
      ...(o.offerTtlMs ? { offerTtlMs: o.offerTtlMs } : {}),
      ...(o.maxOffers ? { maxOffers: o.maxOffers } : {}),
      ...(o.declineHoldMs ? { declineHoldMs: o.declineHoldMs } : {}),
      onChange: (change) => store?.record(change),
    });
    const p = pool;
    if (o.leaseFile) {
      store = createLeaseStore({
        path: o.leaseFile, snapshot: () => p.bound(), clock: o.clock,
        ...(o.leaseCompactAfter ? { compactAfter: o.leaseCompactAfter } : {}),
        onError: (err) => { count("error.lease-compact"); o.logger.error("dhcp: lease compaction failed", { err: err.message }); },
      });
    }
  }

  async function listen(port: number, via: "dhcp" | "proxy"): Promise<number> {
    const rxAddress = o.bindAddress ?? "0.0.0.0";
    const rx = await bind(rxAddress, port);
    sockets.push(rx);
    const bound = rx.address().port;
    ports.push(bound);
    let tx = rx;
    if (rxAddress !== o.serverAddress) {
      tx = await bind(o.serverAddress, bound);
      sockets.push(tx);
    }
    const onSent = (err: Error | null) => {
      if (err) { count("error.send"); o.logger.warn("dhcp: send failed", { err: err.message }); }
    };
    // One async function per datagram (not a then/catch/finally chain: three promises fewer each).
    const serve = async (msg: Buffer, from: { address: string; port: number }, c: HandlerContext): Promise<void> => {
      try {
        const out = await handleDatagram(c, msg, from, via);
        if (!out) return;
        const wire = encodePacket(out.packet, out.maxSize ? { maxSize: out.maxSize } : {});
        tx.send(wire, out.to.port, out.to.address, onSent);
      } catch (err) {
        // A bug or a policy failure must cost one packet, never the server.
        count("error.handler");
        o.logger.error("dhcp: request failed", { err: err instanceof Error ? err.message : String(err) });
      } finally {
        if (--inflight === 0) for (const r of idle.splice(0)) r();
      }
    };
    const onMessage = (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (!ctx) return;
      inflight++;
      void serve(msg, rinfo, ctx);
    };
    for (const s of new Set([rx, tx])) {
      // Best effort: a refused size keeps the default; the log says what the kernel granted.
      try { s.setRecvBufferSize(RECV_BUFFER_BYTES); } catch { /* keep the default */ }
      // Linux reports twice the usable size (it counts its bookkeeping), and caps the request at net.core.rmem_max.
      o.logger.info("dhcp: socket receive buffer", { port: bound, requested: RECV_BUFFER_BYTES, granted: s.getRecvBufferSize() });
      s.on("message", onMessage);
      s.on("error", (err) => o.logger.error("dhcp: socket error", { err: err.message }));
    }
    return bound;
  }

  return {
    async start() {
      if (o.mode === "off") return {};
      if (pool && store) {
        const got = await store.open();
        pool.restore(got.leases);
        if (got.torn > 0) o.logger.warn("dhcp: the lease journal ended in a torn record (a write cut short by a crash; it was never acknowledged)", { torn: got.torn });
        o.logger.info("dhcp: leases recovered", { leases: got.leases.length, replayed: got.replayed });
      }
      ctx = {
        mode: o.mode,
        net: {
          serverAddress: o.serverAddress, subnetMask: formatIpv4(net.mask), broadcast: formatIpv4(net.broadcast),
          dns: o.dns ?? [], ...(o.gateway ? { gateway: o.gateway } : {}), ...(o.domain ? { domain: o.domain } : {}),
        },
        network: { base: net.base, mask: net.mask },
        leaseSec: o.leaseTimeSec ?? 3600,
        policy: o.policy,
        logger: o.logger,
        ports: {
          client: o.clientPort ?? DEFAULT_PORTS.client, relay: o.relayPort ?? DEFAULT_PORTS.relay,
          broadcast: o.broadcastAddress ?? DEFAULT_PORTS.broadcast,
        },
        count,
        ...(pool ? { pool } : {}),
        ...(store ? { store } : {}),
      };
      try {
        const port = await listen(o.port ?? SERVER_PORT, "dhcp");
        if (o.mode !== "proxy") return { port };
        return { port, proxyPort: await listen(o.proxyPort ?? PXE_PORT, "proxy") };
      } catch (err) {
        await this.close();
        throw err;
      }
    },
    async close() {
      ctx = undefined;
      if (inflight > 0) await new Promise<void>((resolve) => idle.push(resolve));
      ports.length = 0;
      await Promise.all(sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await store?.close();
    },
    // Journal counters sit under "pool." too: /metrics files "pool.*" as pool gauges, the rest as packet counts.
    stats: () => {
      const drops = ports.length > 0 ? socketDrops(ports) : undefined;
      return {
        ...counters, ...(drops === undefined ? {} : { "drop.rcvbuf": drops }),
        ...(pool ? prefixed("pool", pool.counts()) : {}), ...(store ? prefixed("pool.journal", store.stats()) : {}),
      };
    },
  };
}

function prefixed(prefix: string, c: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [`${prefix}.${k}`, v]));
}
