// Ready-made handlers: a jailed file tree, fixed buffers, per-client generated content.
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { normalizeTftpPath, resolveInRoot } from "./_jail.js";
import type { TftpClient, TftpHandler, TftpSource } from "./_types.js";

/** A source over bytes held in memory. */
export function bufferSource(content: Buffer | string): TftpSource {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/**
 * Serves files under `root`, read by offset through one FileHandle per transfer (constant
 * memory, whatever the file size). Paths are jailed: see resolveInRoot.
 */
export function fileTreeHandler(root: string): TftpHandler {
  let realRoot: Promise<string> | undefined;
  return async (path) => {
    // Cache the root's real path, but not a failure: the root may appear later (e.g. after an import).
    realRoot ??= realpath(root).catch((err: unknown) => {
      realRoot = undefined;
      throw err;
    });
    const real = await resolveInRoot(await realRoot, path);
    if (real === null) return null;
    // O_NOFOLLOW: a symlink swapped in after realpath() is not followed.
    return openFileSource(real, constants.O_NOFOLLOW);
  };
}

/** What is left of `targets` after a scatter read put `n` bytes into them. */
export function unfilled(targets: readonly Buffer[], n: number): readonly Buffer[] {
  let i = 0;
  while (i < targets.length && n >= targets[i]!.length) n -= targets[i++]!.length;
  if (i >= targets.length) return [];
  return n === 0 ? targets.slice(i) : [targets[i]!.subarray(n), ...targets.slice(i + 1)];
}

/**
 * A source over a file on disk, read by offset through one FileHandle (constant memory);
 * null when it is not a regular file. `flags` adds open flags (O_NOFOLLOW for jailed paths).
 */
export async function openFileSource(path: string, flags = 0): Promise<TftpSource | null> {
  const fh = await open(path, constants.O_RDONLY | flags);
  try {
    const info = await fh.stat({ bigint: true });
    if (!info.isFile()) {
      await fh.close();
      return null;
    }
    return {
      size: Number(info.size),
      // A replaced file has another inode, a rewritten one another mtime or ctime.
      cacheKey: `file:${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
      async read(offset, length) {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
      async readv(targets, offset) {
        let got = 0;
        let rest = targets;
        while (rest.length > 0) {
          const { bytesRead } = await fh.readv(rest, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
          rest = unfilled(rest, bytesRead);
        }
        return got;
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

const key = (path: string) => normalizeTftpPath(path).join("/");

/** Serves fixed content by path ("/a\\b" and "a/b" are the same key); other paths are not found. */
export function bufferHandler(files: Readonly<Record<string, Buffer | string>>): TftpHandler {
  const table = new Map(Object.entries(files).map(([p, c]) => [key(p), c]));
  return async (path) => {
    const content = table.get(key(path));
    return content === undefined ? null : bufferSource(content);
  };
}

/** Generates content per request and client (iPXE scripts, GRUB configs); null means not found. */
export function generatedHandler(
  generate: (path: string, client: TftpClient) => Promise<Buffer | string | null> | Buffer | string | null,
): TftpHandler {
  return async (path, client) => {
    const content = await generate(key(path), client);
    return content === null ? null : bufferSource(content);
  };
}

/** Tries handlers in order; the first that finds the file serves it. */
export function firstOf(...handlers: readonly TftpHandler[]): TftpHandler {
  return async (path, client) => {
    for (const handler of handlers) {
      const source = await handler(path, client);
      if (source) return source;
    }
    return null;
  };
}
