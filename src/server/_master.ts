// The composition root of `maekin serve`: builds the store, the boot policy and the DHCP, TFTP
// and HTTP servers from one Cluster, starts them, and stops them all on one call.
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createAssetCatalog, type AssetCatalog } from "../assets/index.js";
import { createBootPolicy, MemoryBootStore, type BootPolicy, type BootStore } from "../boot/index.js";
import type { Cluster } from "../model/cluster.js";
import { parseRange } from "../model/ipv4.js";
import { formatIpv4 } from "../model/ipv4.js";
import { createDhcpServer, type DhcpServer } from "../net/dhcp/index.js";
import { createTftpServer, type TftpHandler, type TftpServer } from "../net/tftp/index.js";
import { createHttpApp } from "../http/index.js";
import { createEngine } from "../render/index.js";
import { createMetrics, type Metrics } from "./_metrics.js";
import { portLogger } from "./_logger.js";
import { bindError, preflight } from "./_preflight.js";

/** What the master is built from; ports and addresses override the config (tests bind to 0). */
export interface MasterOptions {
  readonly cluster: Cluster;
  readonly stateDir: string;
  readonly logger: Logger;
  readonly store?: BootStore;
  readonly httpPort?: number;
  readonly httpBind?: string;
  readonly tftpPort?: number;
  readonly dhcpPort?: number;
  readonly dhcpProxyPort?: number;
  /** Skip the interface/address check (unit tests on loopback). */
  readonly skipPreflight?: boolean;
  /** Clock for leases (tests). */
  readonly now?: () => number;
}

/** A running master. */
export interface Master {
  readonly http: { address: string; port: number };
  readonly tftp: { address: string; port: number };
  readonly dhcp?: { port?: number; proxyPort?: number };
  readonly metrics: Metrics;
  readonly policy: BootPolicy;
  readonly store: BootStore;
  readonly assets: AssetCatalog;
  /** Stops every server; safe to call twice. */
  stop(): Promise<void>;
}

/** The TFTP side only serves the iPXE builds firmware asks for by name. */
function tftpHandler(assets: AssetCatalog): TftpHandler {
  return async (path) => {
    const file = await assets.resolve(path.replace(/^\/+/, ""));
    if (!file) return null;
    const { open } = await import("node:fs/promises");
    const fh = await open(file.path, "r");
    return {
      size: file.size,
      async read(offset, length) {
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      },
      close: () => fh.close(),
    };
  };
}

/** Builds and starts the master's services; on any failure stops what started and throws. */
export async function startMaster(options: MasterOptions): Promise<Master> {
  const { cluster, stateDir, logger } = options;
  const config = cluster.config;
  if (!options.skipPreflight) await preflight(cluster);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });

  const metrics = createMetrics();
  const store = options.store ?? new MemoryBootStore();
  const assets = createAssetCatalog({ stateDir });
  const httpPort = options.httpPort ?? config.master.http.port;
  const urls = { tftpServer: cluster.masterAddress, httpBase: cluster.masterUrl };
  const policy = createBootPolicy({ cluster, store, urls });
  const engine = createEngine();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch((err) => logger.warn({ err }, "stop failed"));
  };

  try {
    // HTTP
    const app = createHttpApp({ cluster, policy, engine, assets, metrics, logger });
    const server: Server = createServer(app);
    server.keepAliveTimeout = 65_000;
    const httpBind = options.httpBind ?? config.master.http.bind ?? "0.0.0.0";
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => reject(bindError(err, "HTTP", httpPort, "master.http.port")));
      server.listen(httpPort, httpBind, resolve);
    });
    stops.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const httpAddress = server.address() as AddressInfo;

    // TFTP
    const tftpPort = options.tftpPort ?? config.master.tftp.port;
    const tftp: TftpServer = createTftpServer({ address: options.httpBind ?? "0.0.0.0", port: tftpPort, handler: tftpHandler(assets), logger: portLogger(logger) });
    const tftpAddress = await tftp.listen().catch((err) => { throw bindError(err.cause ?? err, "TFTP", tftpPort, "master.tftp.port"); });
    stops.push(() => tftp.close());
    metrics.sources.tftp = () => ({ ...tftp.stats });

    // DHCP
    let dhcp: DhcpServer | undefined;
    let dhcpPorts: { port?: number; proxyPort?: number } | undefined;
    if (config.network.dhcp.mode !== "off") {
      const pool = config.network.dhcp.pool ? parseRange(config.network.dhcp.pool) : undefined;
      const now = options.now ?? Date.now;
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
    }

    logger.info({ http: httpAddress.port, tftp: tftpAddress.port, dhcp: dhcpPorts ?? "off", mode: config.network.dhcp.mode }, "maekin master is serving");
    return {
      http: { address: httpAddress.address, port: httpAddress.port },
      tftp: tftpAddress,
      ...(dhcpPorts ? { dhcp: dhcpPorts } : {}),
      metrics, policy, store, assets, stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
