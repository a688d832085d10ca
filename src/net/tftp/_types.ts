// The ports of the TFTP server: what it asks of handlers, loggers and metrics.

/** Who asked for a file (the request's source). */
export interface TftpClient {
  readonly address: string;
  readonly port: number;
  readonly family: "IPv4" | "IPv6";
}

/** An open file to serve: its size and positional reads (the server reads sequentially). */
export interface TftpSource {
  /** Exact size in bytes, sent as tsize (RFC 2349) and used to find the last block. */
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; fewer bytes only at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional scatter read (like preadv): fills `targets` in order from `offset` and resolves with
   * the bytes read, fewer only at the end of the file. With it the server reads file data straight
   * into its DATA packets instead of into a buffer it then copies.
   */
  readv?(targets: readonly Buffer[], offset: number): Promise<number>;
  /** Releases what the source holds (file handles); called once when the transfer ends. */
  close?(): Promise<void>;
  /**
   * Identity of the bytes (e.g. device, inode, size, mtime): sources with the same key hold the
   * same content, so the server may serve them from one shared packet image. Omit for content
   * that differs per request.
   */
  readonly cacheKey?: string;
}

/**
 * Answers a read request: a source, or null for "file not found". It may throw a TftpError to
 * refuse with a specific code (e.g. TFTP_ACCESS_VIOLATION); other throws become ERROR 0.
 */
export type TftpHandler = (path: string, client: TftpClient) => Promise<TftpSource | null>;

/** Structured logger port; the default discards everything. */
export interface TftpLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: TftpLogger = { debug() {}, info() {}, warn() {} };

/** How a transfer ended, for metrics and logs. */
export interface TransferReport {
  readonly path: string;
  readonly client: TftpClient;
  readonly ok: boolean;
  readonly bytes: number;
  readonly blocks: number;
  readonly retransmits: number;
  readonly ms: number;
  readonly blksize: number;
  readonly windowsize: number;
  /** The transfer worker thread that ran it (1..n, see the `workers` option); absent on the main thread. */
  readonly worker?: number;
  /** Why it failed: "timeout", "client-error", "read-error", "closed", "socket-error", or OPTION_PROBE. */
  readonly reason?: string;
}

/** The reason of a transfer the client ended after the OACK with ERROR 8 (RFC 2347): it only wanted the options (tsize). */
export const OPTION_PROBE = "option-probe";

/** Optional metrics hooks; each is called synchronously and must not throw. */
export interface TftpMetrics {
  requestReceived?(op: "RRQ" | "WRQ", client: TftpClient): void;
  transferStarted?(path: string, client: TftpClient): void;
  transferFinished?(report: TransferReport): void;
  /** A datagram was dropped: "malformed", "unexpected", "busy", "duplicate-request". */
  packetDropped?(reason: string): void;
}

/** Counters the server keeps; a snapshot is returned by `stats`. */
export interface TftpStats {
  requests: number;
  refused: number;
  active: number;
  completed: number;
  failed: number;
  /** Transfers the client ended after the OACK (OPTION_PROBE), e.g. PXE firmware asking for tsize. */
  probes: number;
  malformed: number;
  unexpected: number;
  bytesSent: number;
  retransmits: number;
}
