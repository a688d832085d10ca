// One read transfer on its own connected socket: the thin adapter around the pure window.
// The socket is connect()ed to the client, so the kernel drops datagrams from any other
// address or port: a stranger's ACK or ERROR never reaches this code (RFC 1350 §4 TIDs).
import type { Socket } from "node:dgram";
import { decode, encode } from "./_codec.js";
import { ErrorCode, Opcode } from "./_constants.js";
import { OPTION_PROBE } from "./_types.js";
import type { TftpOption } from "./_packet.js";
import { onAck, rewind, sendable, sent, startWindow, wireBlock, type WindowState } from "./_window.js";

/** What the transfer reads from: a TftpSource whose size may be unknown (netascii). */
export interface BlockSource {
  readonly size: number | undefined;
  read(offset: number, length: number): Promise<Buffer>;
}

/** Settings and callbacks of one transfer. */
export interface TransferOptions {
  readonly socket: Socket;
  readonly source: BlockSource;
  readonly blksize: number;
  readonly windowsize: number;
  /** Options to acknowledge first; empty for a plain RFC 1350 transfer. */
  readonly oack: readonly TftpOption[];
  readonly timeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Timeouts in a row after which the transfer gives up. */
  readonly retries: number;
  readonly onMalformed: () => void;
  readonly onUnexpected: () => void;
}

/** How a transfer ended. */
export interface TransferOutcome {
  readonly ok: boolean;
  readonly reason?: string;
  readonly bytes: number;
  readonly blocks: number;
  readonly retransmits: number;
}

/** A running transfer: its outcome, and a way to stop it early. */
export interface Transfer {
  readonly done: Promise<TransferOutcome>;
  abort(reason: string): void;
}

// Read size: a few syscalls per MiB instead of one per block. Reads go through libuv's thread
// pool, whose round trip on a loaded machine can take milliseconds: the next chunk is read while
// the current one is on the wire (see prefetch), so a lock-step transfer never waits for the disk.
const READ_CHUNK = 128 * 1024;

/** Starts sending `source` over the connected socket; resolves when the last block is acknowledged or it gives up. */
export function startTransfer(o: TransferOptions): Transfer {
  const { socket, source, blksize } = o;
  const oackBytes = o.oack.length > 0 ? encode({ op: "OACK", options: o.oack }) : undefined;
  const chunkBlocks = Math.max(1, Math.floor(READ_CHUNK / blksize));
  let state: WindowState = startWindow(o.windowsize, oackBytes !== undefined);
  // The last block is the first one shorter than blksize (RFC 1350 §6), possibly empty.
  let last = source.size === undefined ? undefined : Math.floor(source.size / blksize) + 1;
  // Encoded DATA packets by absolute block, from the window's base up to what was read ahead.
  const cache = new Map<number, Buffer>();
  let cacheLow = 1; // lowest block that may still be cached
  let readNext = 1;
  let reading: Promise<void> | undefined;
  let readError: Error | undefined;
  let tries = 0;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let again = false;
  let finished = false;
  let bytes = 0;
  let retransmits = 0;
  let resolve!: (outcome: TransferOutcome) => void;
  const done = new Promise<TransferOutcome>((r) => (resolve = r));

  const finish = (ok: boolean, reason?: string, errorToClient?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    cache.clear();
    const close = () => {
      try {
        socket.close();
      } catch {
        /* already closed */
      }
    };
    if (errorToClient !== undefined) {
      socket.send(encode({ op: "ERROR", code: ErrorCode.NOT_DEFINED, message: errorToClient }), close);
    } else close();
    resolve({ ok, ...(reason === undefined ? {} : { reason }), bytes, blocks: Math.max(0, state.base - 1), retransmits });
  };

  /** Reads the next chunk and caches its blocks as ready-to-send DATA packets (one copy, at read time). */
  const readChunk = async () => {
    const count = last === undefined ? chunkBlocks : Math.min(chunkBlocks, last - readNext + 1);
    if (count <= 0) return;
    const offset = (readNext - 1) * blksize;
    const want = source.size === undefined ? count * blksize : Math.max(0, Math.min(count * blksize, source.size - offset));
    const buf = want > 0 ? await source.read(offset, want) : Buffer.alloc(0);
    if (finished) return;
    for (let i = 0; i < count; i++) {
      const piece = buf.subarray(i * blksize, Math.min((i + 1) * blksize, buf.length, want));
      cache.set(readNext, encode({ op: "DATA", block: wireBlock(readNext), data: piece }));
      readNext++;
      if (piece.length < blksize) {
        last = readNext - 1; // a short read ends the file, even if it shrank under us
        break;
      }
    }
  };

  /** The read in flight, or a new one; a failure is kept for the pump to report. */
  const fill = (): Promise<void> =>
    (reading ??= readChunk()
      .catch((err: unknown) => { readError = err as Error; })
      .finally(() => { reading = undefined; }));

  /** Starts reading the next chunk while less than a chunk is buffered past the window. */
  const prefetch = () => {
    if (finished || reading || readError || (last !== undefined && readNext > last)) return;
    if (readNext <= state.base + o.windowsize + chunkBlocks) void fill();
  };

  let armedFor = -1;
  const arm = () => {
    if (finished) return;
    const wait = Math.min(o.timeoutMs * 2 ** tries, o.maxTimeoutMs); // exponential backoff
    // refresh() restarts the same timer: no allocation per ACK on the hot path.
    if (timer && wait === armedFor) timer.refresh();
    else {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, wait);
      armedFor = wait;
    }
  };

  const pump = async () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!finished && sendable(state, last) > 0) {
          const abs = state.next;
          let packet: Buffer;
          if (abs === 0 && oackBytes) packet = oackBytes;
          else {
            while (!cache.has(abs) && !finished && !readError && readNext <= abs && (last === undefined || abs <= last)) await fill();
            if (readError) throw readError;
            // An ACK or timeout may have moved the window, or a short read moved the end, meanwhile.
            if (finished || state.next !== abs || (last !== undefined && abs > last)) continue;
            const data = cache.get(abs);
            // Blocks at or past the base stay cached until acknowledged; a miss is a bug, not a retry.
            if (!data) return finish(false, `internal: block ${abs} not buffered`, "internal server error");
            packet = data;
          }
          if (abs <= state.highest) retransmits++;
          else if (abs > 0) bytes += packet.length - 4;
          state = sent(state);
          socket.send(packet); // without a callback, send errors arrive as "error" events
        }
      } while (again && !finished);
      prefetch();
      arm();
    } catch (err) {
      finish(false, `read-error: ${(err as Error).message}`, "read error on server");
    } finally {
      pumping = false;
    }
  };

  function onTimeout() {
    tries++;
    if (tries > o.retries) return finish(false, "timeout", "timed out waiting for ACK");
    state = rewind(state); // RFC 7440 §4: resend the whole window from its base
    void pump();
  }

  socket.on("message", (msg: Buffer) => {
    if (finished) return;
    // The hot path: an ACK is 4 bytes (or a little more, padded), read in place with no decode.
    let block: number;
    if (msg.length >= 4 && msg[0] === 0 && msg[1] === Opcode.ACK) block = msg.readUInt16BE(2);
    else {
      const decoded = decode(msg);
      if (!decoded.ok) return o.onMalformed();
      const p = decoded.packet;
      if (p.op === "ERROR") {
        // RFC 2347: a client may end the transfer after the OACK with ERROR 8. PXE firmware (EDK II,
        // most PXE ROMs) does exactly that to learn tsize before the real download: not a failure.
        if (p.code === ErrorCode.OPTION_REFUSED && oackBytes && state.base === 0) return finish(false, OPTION_PROBE);
        return finish(false, `client-error: ${p.code} ${p.message}`);
      }
      if (p.op !== "ACK") return o.onUnexpected();
      block = p.block;
    }
    const effect = onAck(state, block);
    if (effect.kind === "ignored") return; // old or duplicate: no resend (Sorcerer's Apprentice)
    state = effect.state;
    for (; cacheLow < state.base; cacheLow++) cache.delete(cacheLow);
    tries = 0;
    if (last !== undefined && effect.acked >= last) return finish(true);
    void pump();
  });
  socket.on("error", (err) => finish(false, `socket-error: ${err.message}`));

  void pump();
  return { done, abort: (reason) => finish(false, reason, reason) };
}
