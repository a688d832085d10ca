// Transfer workers: an opt-in pool of threads that run the data transfers of files held as shared
// packet images, so a boot storm's thousands of DATA/ACK turnarounds per second leave the main
// event loop (DHCP, HTTP, the inventory) alone and can use another core. The main thread keeps
// the request port, the handler and the image cache; images live in SharedArrayBuffers, so
// handing one to a worker copies nothing.
import { Worker } from "node:worker_threads";
import { runBytes, type PacketRun } from "./_packets.js";
import type { Transfer, TransferOptions, TransferOutcome } from "./_transfer.js";
import type { TftpLogger } from "./_types.js";

/** What a worker transfer runs with: the same settings as a main-thread one. */
export type WorkerSettings = Pick<TransferOptions, "blksize" | "windowsize" | "oack" | "timeoutMs" | "maxTimeoutMs" | "retries">;

/** A transfer for a worker: send the whole image `run` (blocks from 1) to `client`. */
export interface WorkerJob {
  /** Local address the transfer socket binds to. */
  readonly address: string;
  readonly client: { readonly address: string; readonly port: number };
  readonly run: PacketRun;
  /** File size in bytes (finds the last block). */
  readonly size: number;
  readonly settings: WorkerSettings;
  readonly onMalformed: () => void;
  readonly onUnexpected: () => void;
}

/** Messages to a worker. */
export type ToWorker =
  | { type: "start"; id: number; address: string; client: { address: string; port: number }; bytes: Uint8Array; size: number; blksize: number; settings: WorkerSettings }
  | { type: "abort"; id: number; reason: string };

/** Messages from a worker. */
export type FromWorker =
  | { type: "dropped"; id: number; reason: "malformed" | "unexpected" }
  | { type: "done"; id: number; outcome: TransferOutcome };

/** Threads that run transfers; see createWorkerPool. */
export interface WorkerPool {
  /** Runs `job` on the least busy worker (numbered from 1); the Transfer behaves as a main-thread one. */
  start(job: WorkerJob): Transfer & { readonly worker: number };
  /** Stops the threads (after the caller has let its transfers end). */
  close(): Promise<void>;
}

interface Pending {
  readonly job: WorkerJob;
  readonly resolve: (o: TransferOutcome) => void;
}

interface Slot {
  worker: Worker | undefined;
  readonly pending: Map<number, Pending>;
}

/**
 * The worker's entry beside this file: compiled JavaScript, or, when maekin runs from its
 * TypeScript sources (tests, bench), the .ts source loaded through tsx in the new thread too.
 */
function spawn(): Worker {
  const entry = new URL(import.meta.url.endsWith(".ts") ? "./_worker.ts" : "./_worker.js", import.meta.url);
  if (entry.pathname.endsWith(".js")) return new Worker(entry);
  return new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true });
}

/** Starts `size` worker threads (at least 1). */
export function createWorkerPool(size: number, log: TftpLogger): WorkerPool {
  const slots: Slot[] = Array.from({ length: Math.max(1, Math.floor(size)) }, () => ({ worker: undefined, pending: new Map() }));
  let nextId = 1;
  let closed = false;

  const failed = (reason: string): TransferOutcome => ({ ok: false, reason, bytes: 0, blocks: 0, retransmits: 0 });
  const failAll = (slot: Slot, reason: string) => {
    for (const p of slot.pending.values()) p.resolve(failed(reason));
    slot.pending.clear();
  };

  const up = (slot: Slot): Worker => {
    if (slot.worker) return slot.worker;
    const worker = spawn();
    slot.worker = worker;
    worker.on("message", (m: FromWorker) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      if (m.type === "dropped") return m.reason === "malformed" ? p.job.onMalformed() : p.job.onUnexpected();
      slot.pending.delete(m.id);
      p.resolve(m.outcome);
    });
    worker.on("error", (err) => log.warn("tftp worker failed", { error: err.message }));
    // A worker that dies takes its transfers with it; the next transfer starts a new one.
    worker.on("exit", (code) => {
      if (slot.worker === worker) slot.worker = undefined;
      failAll(slot, `worker-exit: ${code}`);
    });
    return worker;
  };
  for (const slot of slots) up(slot);

  return {
    start(job) {
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const worker = slots.indexOf(slot) + 1;
      if (closed) return { worker, done: Promise.resolve(failed("server shutting down")), abort: () => undefined };
      const id = nextId++;
      const done = new Promise<TransferOutcome>((resolve) => slot.pending.set(id, { job, resolve }));
      const { address, client, size, settings } = job;
      const msg: ToWorker = { type: "start", id, address, client: { address: client.address, port: client.port }, bytes: runBytes(job.run), size, blksize: settings.blksize, settings };
      up(slot).postMessage(msg);
      return {
        worker,
        done,
        abort: (reason) => slot.worker?.postMessage({ type: "abort", id, reason } satisfies ToWorker),
      };
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker?.terminate()));
    },
  };
}
