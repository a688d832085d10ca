// The composition root of `maekin serve`: builds the store, the boot policy and the DHCP, TFTP
// and HTTP servers from one Cluster, starts them, and stops them all on one call.
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createAssetCatalog, type AssetCatalog } from "../assets/index.js";
import { createBootPolicy, type BootPolicy } from "../boot/index.js";
import { createInventory, ensureAdminToken, NODE_STATES, type Inventory } from "../inventory/index.js";
import { ensureCa, ensureLibvirtClient } from "../pki/index.js";
import { createSyslogServer } from "../net/syslog/index.js";
import type { Cluster } from "../model/cluster.js";
import { parseRange } from "../model/ipv4.js";
import { formatIpv4 } from "../model/ipv4.js";
import { createDhcpServer, type DhcpServer } from "../net/dhcp/index.js";
import { createTftpServer, openFileSource, type TftpHandler, type TftpServer } from "../net/tftp/index.js";
import { createApiRouter, createDashboardRouter, createHttpApp, createMirrorFiles } from "../http/index.js";
import { createEngine } from "../render/index.js";
import { createMetrics, type Metrics } from "./_metrics.js";
import { inventoryBootStore } from "./_inventory-store.js";
import { portLogger } from "./_logger.js";
import { createNodeLog, type NodeLog } from "./_node-log.js";
import { bindError, preflight } from "./_preflight.js";

/**
 * Connections the kernel queues for the HTTP server before it drops SYNs (capped by
 * net.core.somaxconn, 4096 on Debian 12). A boot storm's iPXE clients connect together while the
 * event loop is busy with TFTP: with Node's default of 511, 754 SYNs were dropped at 1000 nodes
 * (TcpExtListenOverflows), each costing its node a 1 s, then 3 s SYN retransmission.
 */
export const HTTP_BACKLOG = 4096;

/** What the master is built from; ports and addresses override the config (tests bind to 0). */
export interface MasterOptions {
  readonly cluster: Cluster;
  readonly stateDir: string;
  readonly logger: Logger;
  readonly httpPort?: number;
  readonly httpBind?: string;
  readonly tftpPort?: number;
  readonly dhcpPort?: number;
  readonly dhcpProxyPort?: number;
  readonly syslogPort?: number;
  /** Heartbeats older than this mark a node offline (default 3 missed 15 s heartbeats). */
  readonly staleAfterMs?: number;
  /** Skip the interface/address check (unit tests on loopback). */
  readonly skipPreflight?: boolean;
  /** Clock for leases (tests). */
  readonly now?: () => number;
  /** The master cannot go on safely (the inventory lost a write to an I/O error); `maekin serve` exits for systemd to restart it. Default: logged. */
  readonly onFatal?: (err: Error) => void;
}

/** A running master. */
export interface Master {
  readonly http: { address: string; port: number };
  readonly tftp: { address: string; port: number };
  readonly dhcp?: { port?: number; proxyPort?: number };
  readonly metrics: Metrics;
  readonly policy: BootPolicy;
  readonly inventory: Inventory;
  readonly nodeLog: NodeLog;
  readonly adminToken: string;
  readonly assets: AssetCatalog;
  /** Stops every server; safe to call twice. */
  stop(): Promise<void>;
}

/** The TFTP side serves the iPXE builds that firmware asks for by name, from the asset catalog. */
function tftpHandler(assets: AssetCatalog): TftpHandler {
  return async (path) => {
    const file = await assets.resolve(path.replace(/^\/+/, ""));
    return file ? openFileSource(file.path) : null;
  };
}

/** Builds and starts the master's services; on any failure stops what started and throws. */
export async function startMaster(options: MasterOptions): Promise<Master> {
  const { cluster, stateDir, logger } = options;
  const config = cluster.config;
  if (!options.skipPreflight) await preflight(cluster);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });

  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  // The event loop never waits for the disk: writes sync off-loop, and whoever answers a client
  // waits for inventory.durable() first.
  const inventory = createInventory({
    path: `${stateDir}/inventory.db`, clock: { now }, logger: portLogger(logger), syncOnCommit: false,
    onDurabilityLost: (err) => {
      logger.fatal({ err }, "the inventory's disk failed a sync: nothing can be promised durable any more; restart the master");
      options.onFatal?.(err);
    },
  });
  for (const node of cluster.nodes) inventory.ensureNode({ name: node.name, mac: node.mac, ip: node.ip, profile: node.profile });
  const adminToken = await ensureAdminToken(stateDir);
  const ca = await ensureCa(stateDir, cluster.name);
  await ensureLibvirtClient(stateDir, ca, { domain: cluster.domain, ip: cluster.masterAddress });
  const store = inventoryBootStore(inventory, logger);
  const nodeLog = createNodeLog(inventory);
  const assets = createAssetCatalog({ stateDir });
  const httpPort = options.httpPort ?? config.master.http.port;
  const urls = { tftpServer: cluster.masterAddress, httpBase: cluster.masterUrl };
  const policy = createBootPolicy({ cluster, store, urls });
  const engine = createEngine();
  const stops: (() => Promise<void>)[] = [async () => inventory.close()];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch((err) => logger.warn({ err }, "stop failed"));
  };

  try {
    // HTTP
    const api = createApiRouter({ cluster, inventory, ca, adminToken, logger });
    let dhcpStats: () => Record<string, number> = () => ({});
    const dashboard = createDashboardRouter({
      cluster, inventory, nodeLog, engine, adminToken, logger, now,
      counters: async () => ({
        leases: dhcpStats()["pool.bound"] ?? 0,
        tftpTransfers: metrics.sources.tftp?.().completed ?? 0,
        bytesServed: (await metrics.httpBytes.get()).values.reduce((sum, v) => sum + v.value, 0),
      }),
    });
    const app = createHttpApp({ cluster, policy, engine, assets, metrics, logger, mirror: createMirrorFiles(stateDir), extend: (a) => { a.use("/api/v1", api); a.use(dashboard); } });
    const server: Server = createServer(app);
    server.keepAliveTimeout = 65_000;
    const httpBind = options.httpBind ?? config.master.http.bind ?? "0.0.0.0";
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(bindError(err, "HTTP", httpPort, "master.http.port")));
      server.listen({ port: httpPort, host: httpBind, backlog: HTTP_BACKLOG }, resolve);
    });
    stops.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const httpAddress = server.address() as AddressInfo;

    // TFTP
    const tftpPort = options.tftpPort ?? config.master.tftp.port;
    // A boot storm starts hundreds of transfers at once; 128 (the default) answered "busy" to half of 250 nodes.
    const tftp: TftpServer = createTftpServer({ address: options.httpBind ?? "0.0.0.0", port: tftpPort, maxTransfers: 2048, handler: tftpHandler(assets), logger: portLogger(logger) });
    const tftpAddress = await tftp.listen().catch((err) => { throw bindError(err.cause ?? err, "TFTP", tftpPort, "master.tftp.port"); });
    stops.push(() => tftp.close());
    metrics.sources.tftp = () => ({ ...tftp.stats });

    // DHCP
    let dhcp: DhcpServer | undefined;
    let dhcpPorts: { port?: number; proxyPort?: number } | undefined;
    if (config.network.dhcp.mode !== "off") {
      const pool = config.network.dhcp.pool ? parseRange(config.network.dhcp.pool) : undefined;
      dhcp = createDhcpServer({
        mode: config.network.dhcp.mode,
        serverAddress: cluster.masterAddress,
        subnet: config.network.subnet,
        ...(config.network.gateway ? { gateway: config.network.gateway } : {}),
        dns: config.network.dns,
        domain: cluster.domain,
        leaseTimeSec: config.network.dhcp.leaseTime,
        ...(pool ? { pool: { start: formatIpv4(pool.start), end: formatIpv4(pool.end) } } : {}),
        interface: config.master.interface,
        port: options.dhcpPort ?? config.master.dhcp.port,
        proxyPort: options.dhcpProxyPort ?? config.master.dhcp.proxyPort,
        logger: portLogger(logger),
        clock: { now },
        leaseFile: `${stateDir}/leases.json`,
        policy,
      });
      const started = dhcp;
      dhcpPorts = await started.start().catch((err) => { throw bindError(err.cause ?? err, "DHCP", config.master.dhcp.port, "master.dhcp.port"); });
      stops.push(() => started.close());
      metrics.sources.dhcp = () => started.stats();
      dhcpStats = metrics.sources.dhcp;
    }

    // Installer syslog (d-i log_host, Anaconda inst.syslog)
    const syslogPort = options.syslogPort ?? config.master.syslog.port;
    const syslog = createSyslogServer({ address: options.httpBind ?? "0.0.0.0", port: syslogPort, onMessage: nodeLog.syslog });
    await syslog.listen().catch((err) => { throw bindError(err, "syslog", syslogPort, "master.syslog.port"); });
    stops.push(() => syslog.close());

    // Heartbeats that stop coming mark nodes offline.
    const staleAfter = options.staleAfterMs ?? 45_000;
    const sweep = setInterval(() => {
      for (const node of inventory.markStale(now(), staleAfter)) logger.warn({ node: node.name }, "heartbeat stale: offline");
    }, Math.min(5000, staleAfter / 3));
    sweep.unref();
    stops.push(async () => clearInterval(sweep));
    metrics.sources.nodes = () => {
      const counts: Record<string, number> = Object.fromEntries(NODE_STATES.map((s) => [s, 0]));
      for (const node of inventory.list()) counts[node.state] = (counts[node.state] ?? 0) + 1;
      return counts;
    };

    logger.info({ http: httpAddress.port, tftp: tftpAddress.port, dhcp: dhcpPorts ?? "off", mode: config.network.dhcp.mode }, "maekin master is serving");
    return {
      http: { address: httpAddress.address, port: httpAddress.port },
      tftp: tftpAddress,
      ...(dhcpPorts ? { dhcp: dhcpPorts } : {}),
      metrics, policy, inventory, nodeLog, adminToken, assets, stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
