// Entry of a transfer worker thread (see _workers.ts): runs the transfers the main thread hands
// over, each on its own socket, and reports how each ended. The main thread keeps the request
// port, the handler and the packet images; a worker only sends images it is given.
import type { Socket } from "node:dgram";
import { parentPort } from "node:worker_threads";
import { runOver } from "./_packets.js";
import { openTransferSocket } from "./_socket.js";
import { startTransfer, type Transfer } from "./_transfer.js";
import type { FromWorker, ToWorker } from "./_workers.js";

const port = parentPort;
if (!port) throw new Error("_worker.ts runs as a worker thread (see createWorkerPool)");
const post = (m: FromWorker) => port.postMessage(m);

// A transfer is "opening" until its socket is bound; an abort then is kept and applied after.
const running = new Map<number, { transfer?: Transfer; aborted?: string }>();

async function start(job: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const entry: { transfer?: Transfer; aborted?: string } = {};
  running.set(job.id, entry);
  let socket: Socket;
  try {
    socket = await openTransferSocket(job.address, job.client);
  } catch (err) {
    running.delete(job.id);
    post({ type: "done", id: job.id, outcome: { ok: false, reason: `socket-error: ${(err as Error).message}`, bytes: 0, blocks: 0, retransmits: 0 } });
    return;
  }
  const image = runOver(job.bytes, 1, job.blksize, true);
  entry.transfer = startTransfer({
    ...job.settings,
    socket,
    // The image holds every block, so the source is never read.
    source: { size: job.size, read: () => Promise.reject(new Error("a worker transfer has no source")) },
    image: Promise.resolve(image),
    onMalformed: () => post({ type: "dropped", id: job.id, reason: "malformed" }),
    onUnexpected: () => post({ type: "dropped", id: job.id, reason: "unexpected" }),
  });
  if (entry.aborted !== undefined) entry.transfer.abort(entry.aborted);
  const outcome = await entry.transfer.done;
  running.delete(job.id);
  post({ type: "done", id: job.id, outcome });
}

port.on("message", (m: ToWorker) => {
  if (m.type === "start") void start(m);
  else {
    const entry = running.get(m.id);
    if (!entry) return;
    if (entry.transfer) entry.transfer.abort(m.reason);
    else entry.aborted = m.reason;
  }
});
