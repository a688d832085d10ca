// The read-only TFTP server: listens for requests and gives each transfer its own socket.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { decode, encode } from "./_codec.js";
import { DEFAULT_MAX_BLKSIZE, ErrorCode, TFTP_PORT } from "./_constants.js";
import { TftpBindError, TftpError } from "./_errors.js";
import { netasciiSource } from "./_netascii.js";
import { createImageCache, type ImageCache } from "./_image-cache.js";
import { negotiate } from "./_options.js";
import { packetize, type PacketRun } from "./_packets.js";
import type { RequestPacket } from "./_packet.js";
import { bindSocket, familyOf, openTransferSocket } from "./_socket.js";
import { startTransfer, type BlockSource, type Transfer } from "./_transfer.js";
import { createWorkerPool, type WorkerPool, type WorkerSettings } from "./_workers.js";
import { OPTION_PROBE } from "./_types.js";
import { silentLogger, type TftpClient, type TftpHandler, type TftpLogger, type TftpMetrics, type TftpSource, type TftpStats } from "./_types.js";

/** Options of createTftpServer; everything but the handler has a default. */
export interface TftpServerOptions {
  /** Address to listen on (default 0.0.0.0); transfer sockets bind to it too. */
  readonly address?: string;
  /** UDP port for requests (default 69; 0 picks a free one, for tests). */
  readonly port?: number;
  readonly handler: TftpHandler;
  readonly logger?: TftpLogger;
  /** Ceiling for blksize (default 1468: fits a 1500-byte MTU). */
  readonly maxBlksize?: number;
  /** Ceiling for windowsize (default 64). */
  readonly maxWindowsize?: number;
  /** Timeouts in a row before a transfer gives up (default 5). */
  readonly retries?: number;
  /** First retransmission timeout in ms (default 1000), doubled per retry. */
  readonly timeoutMs?: number;
  /** Ceiling of the backed-off timeout in ms (default 8000). */
  readonly maxTimeoutMs?: number;
  /** Transfers at once (default 128); more get ERROR 0 "server busy". */
  readonly maxTransfers?: number;
  /**
   * Bytes of hot files kept in memory as ready-made DATA packets, per file and blksize
   * (default 64 MiB; 0 turns it off). Only sources with a cacheKey are cached, files up to a
   * quarter of this; others are read in chunks per transfer.
   */
  readonly cacheBytes?: number;
  readonly metrics?: TftpMetrics;
  /**
   * Worker threads for data transfers (default 0: every transfer runs on the calling thread).
   * With n > 0, a transfer of a file whose packet image is cached (octet mode, a source with a
   * cacheKey, the file within the cache's per-file limit) runs on one of n threads; the request
   * port, the handler and every other transfer stay on this thread. Stats and metrics are the same.
   */
  readonly workers?: number;
}

/** A running (or not yet started) TFTP server. */
export interface TftpServer {
  /** Binds the request socket; resolves with the bound address and port. */
  listen(): Promise<{ address: string; port: number }>;
  /** Stops listening, aborts running transfers and closes every socket. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  readonly stats: Readonly<TftpStats>;
  /** The shared packet-image cache (its counters), for metrics and tests. */
  readonly cache: Pick<ImageCache, "stats" | "limitBytes">;
}

/** Receive buffer of the request socket (the kernel caps it at net.core.rmem_max). */
const REQUEST_RCVBUF = 4 * 1024 * 1024;

/** Bytes an image of `size` bytes at `blksize` costs: data, 4-byte headers, and a view object per block (estimated). */
const imageBytes = (size: number, blksize: number) => size + (Math.floor(size / blksize) + 1) * (4 + 96);

/** Reads a whole source and cuts it into DATA packets (in shared memory, for transfer workers). */
async function loadImage(source: TftpSource, blksize: number, shared: boolean): Promise<PacketRun> {
  const data = await source.read(0, source.size);
  return packetize(data, 1, blksize, true, shared);
}

/** Creates a read-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440); call listen() to start it. */
export function createTftpServer(options: TftpServerOptions): TftpServer {
  const address = options.address ?? "0.0.0.0";
  const log = options.logger ?? silentLogger;
  const metrics = options.metrics ?? {};
  const limits = { maxBlksize: options.maxBlksize ?? DEFAULT_MAX_BLKSIZE, maxWindowsize: options.maxWindowsize ?? 64 };
  const timeoutMs = options.timeoutMs ?? 1000;
  const maxTransfers = options.maxTransfers ?? 128;
  const cache = createImageCache(options.cacheBytes ?? 64 * 1024 * 1024);
  const stats: TftpStats = { requests: 0, refused: 0, active: 0, completed: 0, failed: 0, probes: 0, malformed: 0, unexpected: 0, bytesSent: 0, retransmits: 0 };
  // Keyed by client address and port: a retransmitted RRQ must not start a second transfer.
  const active = new Map<string, { transfer?: Transfer; done: Promise<void> }>();
  const sockets = new Set<Socket>();
  let main: Socket | undefined;
  const workers = options.workers ?? 0;
  let pool: WorkerPool | undefined;
  let closing = false;

  const dropped = (reason: "malformed" | "unexpected" | "busy" | "duplicate-request") => {
    if (reason === "malformed") stats.malformed++;
    if (reason === "unexpected") stats.unexpected++;
    metrics.packetDropped?.(reason);
  };

  const openSocket = (client: TftpClient) =>
    openTransferSocket(address, client, (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });

  const refuse = async (client: TftpClient, err: TftpError) => {
    stats.refused++;
    const socket = await openSocket(client);
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => socket.send(encode({ op: "ERROR", code: err.wireCode, message: err.message }), () => resolve()));
    socket.close();
  };

  /** Starts the data transfer: on a worker when the whole file is a loaded image, else on this thread. */
  const begin = async (client: TftpClient, source: BlockSource, image: Promise<PacketRun> | undefined, settings: WorkerSettings): Promise<(Transfer & { worker?: number }) | undefined> => {
    const onMalformed = () => dropped("malformed");
    const onUnexpected = () => dropped("unexpected");
    // A failed load falls through to this thread, whose transfer reports it as a read error.
    const run = pool && image ? await image.catch(() => undefined) : undefined;
    if (closing) return undefined;
    if (pool && run && source.size !== undefined) return pool.start({ address, client, run, size: source.size, settings, onMalformed, onUnexpected });
    const socket = await openSocket(client);
    if (closing) {
      socket.close();
      return undefined;
    }
    return startTransfer({ ...settings, socket, source, ...(image ? { image } : {}), onMalformed, onUnexpected });
  };

  const serve = async (req: RequestPacket, client: TftpClient, key: string, entry: { transfer?: Transfer & { worker?: number } }) => {
    const started = Date.now();
    if (req.op === "WRQ") throw new TftpError("TFTP_ACCESS_VIOLATION", "read-only server: write requests are refused");
    const mode = req.mode.toLowerCase();
    if (mode !== "octet" && mode !== "netascii") throw new TftpError("TFTP_ILLEGAL_OPERATION", `unsupported transfer mode "${req.mode}"`);
    const source = await options.handler(req.filename, client);
    if (!source) throw new TftpError("TFTP_FILE_NOT_FOUND", "file not found");
    let image: Promise<PacketRun> | undefined;
    try {
      if (closing) return;
      const blockSource = mode === "netascii" ? netasciiSource(source) : source;
      const neg = negotiate(req.options, blockSource.size, limits);
      if (mode === "octet" && source.cacheKey !== undefined) {
        image = cache.get(`${source.cacheKey}|${neg.blksize}`, imageBytes(source.size, neg.blksize), () => loadImage(source, neg.blksize, workers > 0));
      }
      entry.transfer = await begin(client, blockSource, image, {
        blksize: neg.blksize,
        windowsize: neg.windowsize,
        oack: neg.oack,
        // A client's timeout option is acknowledged, but the first resend never waits longer than
        // ours (as dnsmasq does): duplicate ACKs are ignored, so our timer alone repairs a lost
        // block, and curl's default "timeout 5" would turn 5% loss into minutes on a LAN.
        timeoutMs: Math.min(neg.timeoutMs ?? timeoutMs, timeoutMs),
        maxTimeoutMs: Math.max(options.maxTimeoutMs ?? 8000, neg.timeoutMs ?? 0),
        retries: options.retries ?? 5,
      });
      if (!entry.transfer) return; // closing
      metrics.transferStarted?.(req.filename, client);
      log.debug("tftp transfer start", { path: req.filename, client: key, blksize: neg.blksize, windowsize: neg.windowsize });
      const out = await entry.transfer.done;
      stats.bytesSent += out.bytes;
      stats.retransmits += out.retransmits;
      if (out.ok) stats.completed++;
      else if (out.reason === OPTION_PROBE) stats.probes++;
      else stats.failed++;
      const worker = entry.transfer.worker;
      const report = { path: req.filename, client, ms: Date.now() - started, blksize: neg.blksize, windowsize: neg.windowsize, ...(worker ? { worker } : {}), ...out };
      metrics.transferFinished?.(report);
      if (out.ok) log.info("tftp transfer done", { ...report, client: key });
      else if (out.reason === OPTION_PROBE) log.debug("tftp options probed (client ended after OACK)", { ...report, client: key });
      else log.info("tftp transfer failed", { ...report, client: key });
    } finally {
      // Other transfers may be waiting for the image this source is loading: let it finish first.
      await image?.catch(() => undefined);
      await source.close?.();
    }
  };

  const onRequest = (req: RequestPacket, rinfo: RemoteInfo) => {
    const client: TftpClient = { address: rinfo.address, port: rinfo.port, family: rinfo.family === "IPv6" ? "IPv6" : "IPv4" };
    const key = `${rinfo.address}:${rinfo.port}`;
    stats.requests++;
    metrics.requestReceived?.(req.op, client);
    if (active.has(key)) return dropped("duplicate-request");
    if (active.size >= maxTransfers) {
      dropped("busy");
      stats.refused++;
      const busy = encode({ op: "ERROR", code: ErrorCode.NOT_DEFINED, message: "server busy, try again later" });
      main?.send(busy, rinfo.port, rinfo.address);
      return;
    }
    const entry: { transfer?: Transfer; done: Promise<void> } = { done: Promise.resolve() };
    active.set(key, entry);
    stats.active = active.size;
    entry.done = serve(req, client, key, entry)
      .catch(async (err: unknown) => {
        const refusal = err instanceof TftpError ? err : new TftpError("TFTP_NOT_DEFINED", "internal server error", { cause: err });
        if (!(err instanceof TftpError)) log.warn("tftp handler failed", { path: req.filename, client: key, error: String(err) });
        else log.debug("tftp request refused", { path: req.filename, client: key, code: refusal.code });
        if (!closing) await refuse(client, refusal).catch(() => undefined);
      })
      .finally(() => {
        active.delete(key);
        stats.active = active.size;
      });
  };

  return {
    get stats() {
      return { ...stats };
    },
    cache,
    async listen() {
      if (main) throw new Error("tftp server is already listening");
      const socket = createSocket({ type: familyOf(address) });
      const port = options.port ?? TFTP_PORT;
      try {
        await bindSocket(socket, port, address);
      } catch (err) {
        socket.close();
        throw new TftpBindError(address, port, err);
      }
      main = socket;
      if (workers > 0) pool = createWorkerPool(workers, log);
      // A boot storm sends hundreds of RRQs at once; the default buffer (~200 KB, a few hundred
      // small datagrams) drops the rest and each dropped client waits a second to retry.
      try {
        socket.setRecvBufferSize(REQUEST_RCVBUF);
      } catch {
        /* capped or refused by the kernel: keep the default */
      }
      socket.on("error", (err) => log.warn("tftp socket error", { error: err.message }));
      socket.on("message", (msg, rinfo) => {
        if (closing) return;
        const decoded = decode(msg);
        if (!decoded.ok) return dropped("malformed");
        const p = decoded.packet;
        if (p.op === "RRQ" || p.op === "WRQ") return onRequest(p, rinfo);
        dropped("unexpected"); // DATA/ACK/ERROR/OACK belong on a transfer's port, not here
      });
      const bound = socket.address();
      log.info("tftp listening", { address: bound.address, port: bound.port });
      return { address: bound.address, port: bound.port };
    },
    async close() {
      closing = true;
      for (const entry of active.values()) entry.transfer?.abort("server shutting down");
      await Promise.all([...active.values()].map((e) => e.done));
      for (const s of sockets) {
        try {
          s.close();
        } catch {
          /* already closed */
        }
      }
      await pool?.close();
      pool = undefined;
      if (main) await new Promise<void>((resolve) => main!.close(() => resolve()));
      main = undefined;
    },
  };
}
