// One read transfer on its own connected socket: the thin adapter around the pure window.
// The socket is connect()ed to the client, so the kernel drops datagrams from any other
// address or port: a stranger's ACK or ERROR never reaches this code (RFC 1350 §4 TIDs).
import type { Socket } from "node:dgram";
import { decode, encode } from "./_codec.js";
import { ErrorCode } from "./_constants.js";
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

// Read-ahead size: a few dozen syscalls per MiB instead of one per block.
const READ_CHUNK = 64 * 1024;

/** Starts sending `source` over the connected socket; resolves when the last block is acknowledged or it gives up. */
export function startTransfer(o: TransferOptions): Transfer {
  const { socket, source, blksize } = o;
  const oackBytes = o.oack.length > 0 ? encode({ op: "OACK", options: o.oack }) : undefined;
  const chunkBlocks = Math.max(1, Math.floor(READ_CHUNK / blksize));
  let state: WindowState = startWindow(o.windowsize, oackBytes !== undefined);
  // The last block is the first one shorter than blksize (RFC 1350 §6), possibly empty.
  let last = source.size === undefined ? undefined : Math.floor(source.size / blksize) + 1;
  const cache = new Map<number, Buffer>();
  let readNext = 1;
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

  const readUpTo = async (abs: number) => {
    while (readNext <= abs && !finished) {
      const count = last === undefined ? chunkBlocks : Math.min(chunkBlocks, last - readNext + 1);
      const offset = (readNext - 1) * blksize;
      const want = source.size === undefined ? count * blksize : Math.max(0, Math.min(count * blksize, source.size - offset));
      const buf = want > 0 ? await source.read(offset, want) : Buffer.alloc(0);
      for (let i = 0; i < count; i++) {
        const piece = buf.subarray(i * blksize, Math.min((i + 1) * blksize, buf.length, want));
        cache.set(readNext, piece);
        readNext++;
        if (piece.length < blksize) {
          last = readNext - 1; // a short read ends the file, even if it shrank under us
          break;
        }
      }
    }
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
            if (!cache.has(abs)) await readUpTo(abs);
            // An ACK or timeout may have moved the window, or a short read moved the end, meanwhile.
            if (finished || state.next !== abs || (last !== undefined && abs > last)) continue;
            const data = cache.get(abs);
            // Blocks at or past the base stay cached until acknowledged; a miss is a bug, not a retry.
            if (!data) return finish(false, `internal: block ${abs} not buffered`, "internal server error");
            packet = encode({ op: "DATA", block: wireBlock(abs), data });
          }
          if (abs <= state.highest) retransmits++;
          else if (abs > 0) bytes += packet.length - 4;
          state = sent(state);
          socket.send(packet); // without a callback, send errors arrive as "error" events
        }
      } while (again && !finished);
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

  socket.on("message", (msg) => {
    if (finished) return;
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
    const effect = onAck(state, p.block);
    if (effect.kind === "ignored") return; // old or duplicate: no resend (Sorcerer's Apprentice)
    state = effect.state;
    for (const k of cache.keys()) if (k < state.base) cache.delete(k);
    tries = 0;
    if (last !== undefined && effect.acked >= last) return finish(true);
    void pump();
  });
  socket.on("error", (err) => finish(false, `socket-error: ${err.message}`));

  void pump();
  return { done, abort: (reason) => finish(false, reason, reason) };
}
