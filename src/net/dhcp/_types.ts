// The seams of the DHCP server: the policy it asks, the logger it writes to, and its options.
import type { BootAnswer, MachineFacts } from "../../boot/pxe.js";
import type { Clock } from "./_pool.js";

/** What the rest of maekin says about one machine. */
export interface HostAnswer {
  /** False: no answer at all (enroll "ignore", or "discover" for an unknown machine). */
  readonly allow: boolean;
  /** Reserved address; absent means a pool address. */
  readonly ip?: string;
  /** Host name for option 12. */
  readonly hostname?: string;
}

/** The seam to maekin: the server never reads the config or the inventory itself. */
export interface DhcpPolicy {
  /** Reservation and enrollment decision for a machine. */
  lookup(facts: MachineFacts): HostAnswer | Promise<HostAnswer>;
  /** Boot file decision (see src/boot decideBootFile); undefined = no boot info. */
  boot(facts: MachineFacts): BootAnswer | undefined | Promise<BootAnswer | undefined>;
  /** Every machine the server hears from, for the inventory ("discovered"). Must not throw. */
  onSeen?(facts: MachineFacts): void;
  /** True for addresses reserved for some machine: the pool never offers them to others. */
  isReserved?(ip: string): boolean;
}

/** Structured logger (pino-compatible shape). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** DHCP service mode, as `network.dhcp.mode` in maekin.yaml. */
export type DhcpMode = "authoritative" | "proxy" | "off";

/** Options of createDhcpServer. */
export interface DhcpServerOptions {
  readonly mode: DhcpMode;
  /** Our address on the boot network: server id (54), source of replies. */
  readonly serverAddress: string;
  /** The boot network in CIDR form, e.g. "10.0.0.0/24". Requests from other subnets (not relayed) are dropped. */
  readonly subnet: string;
  readonly gateway?: string;
  readonly dns?: readonly string[];
  readonly domain?: string;
  /** Lease time in seconds (default 3600). */
  readonly leaseTimeSec?: number;
  /** Dynamic range (authoritative mode). */
  readonly pool?: { readonly start: string; readonly end: string };
  /** Informational: node cannot bind to a device (no SO_BINDTODEVICE), so the server filters by subnet instead. */
  readonly interface?: string;
  /** DHCP server port (default 67; 0 = any, for tests). */
  readonly port?: number;
  /** proxyDHCP port (default 4011; 0 = any). */
  readonly proxyPort?: number;
  /** Address the receiving socket binds (default 0.0.0.0, needed to hear broadcasts). */
  readonly bindAddress?: string;
  /** Client port replies go to (default 68); tests move it. */
  readonly clientPort?: number;
  /** Relay port replies to giaddr go to (default 67). */
  readonly relayPort?: number;
  /** Broadcast destination (default 255.255.255.255). */
  readonly broadcastAddress?: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Lease snapshot in the state dir (journals sit beside it); absent = leases in memory only. */
  readonly leaseFile?: string;
  /** Journal records before a compaction starts (default 16384, or the snapshot's size if larger). */
  readonly leaseCompactAfter?: number;
  readonly policy: DhcpPolicy;
  /** Offer lifetime in ms (default 30 s) and cap (default 1024). */
  readonly offerTtlMs?: number;
  readonly maxOffers?: number;
  /** Quarantine of DECLINEd addresses in ms (default 10 min). */
  readonly declineHoldMs?: number;
}

/** A running DHCP server. */
export interface DhcpServer {
  /** Binds the sockets (none in mode "off"); resolves with the bound ports. */
  start(): Promise<{ port?: number; proxyPort?: number }>;
  /** Closes the sockets after in-flight requests finish. */
  close(): Promise<void>;
  /** Counters by message type and outcome: "rx.DISCOVER", "tx.OFFER", "drop.short", ... */
  stats(): Record<string, number>;
}
