// Streaming a byte range of a file that is too big to hold in memory, with read buffers lent from
// one small pool shared by every connection. Big reads keep syscalls per GB low; the pool keeps
// memory bounded however many clients there are: when it is empty (slow readers hold its buffers
// until the kernel takes their data) a connection reads through a small buffer of its own instead
// of waiting, so stalled clients cannot starve the others.
import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";

/** Reusable read buffers. */
export interface BufferPool {
  /** A pooled buffer when one is free, else a fresh small one. */
  acquire(): Buffer;
  /** Gives a buffer back; `reusable` false when something (an aborted socket write) may still hold it. */
  release(buf: Buffer, reusable?: boolean): void;
  /** Buffers handed out and not yet returned, and how many the pool keeps. */
  readonly stats: { readonly lent: number; readonly free: number };
}

/** Sizes of a BufferPool. */
export interface BufferPoolOptions {
  readonly bufferBytes: number;
  readonly count: number;
  /** Size of the fallback buffer when the pool is empty. */
  readonly fallbackBytes: number;
}

/** 16 x 1 MiB pooled, 64 KiB each beyond that. */
export const BUFFER_POOL_DEFAULTS: BufferPoolOptions = { bufferBytes: 1024 * 1024, count: 16, fallbackBytes: 64 * 1024 };

/** A BufferPool. */
export function createBufferPool(options: BufferPoolOptions = BUFFER_POOL_DEFAULTS): BufferPool {
  const free: Buffer[] = [];
  const pooled = new WeakSet<Buffer>();
  let lent = 0;
  return {
    get stats() { return { lent, free: free.length }; },
    acquire() {
      if (lent >= options.count) return Buffer.allocUnsafeSlow(options.fallbackBytes);
      lent++;
      const buf = free.pop() ?? Buffer.allocUnsafeSlow(options.bufferBytes);
      pooled.add(buf);
      return buf;
    },
    release(buf, reusable = true) {
      if (!pooled.has(buf)) return;
      lent--;
      if (reusable) free.push(buf);
      else pooled.delete(buf);
    },
  };
}

/** Resolves when `chunk` is handed to the kernel (true), or when the response closed first (false). */
function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    res.once("close", onClose);
    res.write(chunk, (err) => {
      res.off("close", onClose);
      resolve(!err);
    });
  });
}

/** Writes bytes [start, end] of the file at `path` to `res` and ends it; resolves when done or when the client left. */
export async function streamRange(res: ServerResponse, path: string, start: number, end: number, pool: BufferPool): Promise<void> {
  const fh = await open(path, "r");
  try {
    let pos = start;
    while (pos <= end && !res.destroyed) {
      const buf = pool.acquire();
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos + 1), pos);
      if (bytesRead === 0) {
        // The file shrank under us: the promised Content-Length cannot be met, so cut the connection.
        pool.release(buf);
        res.destroy();
        return;
      }
      pos += bytesRead;
      // A buffer whose write never completed may still be referenced by the socket: not reused.
      const written = await write(res, buf.subarray(0, bytesRead));
      pool.release(buf, written);
      if (!written) return;
    }
    if (!res.destroyed) res.end();
  } finally {
    await fh.close();
  }
}
