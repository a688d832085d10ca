// Boot assets held in memory: a handful of kernels and initrds that hundreds of machines fetch at
// once. Served from one shared Buffer, a response costs one copy (into the socket) instead of a
// thread-pool read plus a copy per chunk, and no buffer per connection: memory depends on the
// files, not on how many clients read them or how slowly.
import { readFile, stat } from "node:fs/promises";

/** The version of a file the caller saw (size and mtime from its stat). */
export interface FileVersion {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Limits of a FileCache. */
export interface FileCacheOptions {
  /** Bytes held in all, at most (least recently used files go first). */
  readonly maxBytes: number;
  /** Larger files are never held: they are streamed (ISOs, mirror files). */
  readonly maxFileBytes: number;
  /** A file nobody asked for in this long is let go (default 10 minutes): a master idles between installs. */
  readonly idleMs?: number;
}

/** File contents by path, for the version the caller stat'ed. */
export interface FileCache {
  /** The contents of `file` as of its size and mtime, or undefined when it is not (or cannot be) held. */
  get(file: FileVersion): Promise<Buffer | undefined>;
  /** Bytes held now. */
  readonly bytes: number;
}

interface Entry { readonly size: number; readonly mtimeMs: number; readonly body: Buffer; used: number }

/** Defaults: a Debian netboot initrd is 40 MB, a RHEL-family one about 100 MB. */
export const FILE_CACHE_DEFAULTS: FileCacheOptions = { maxBytes: 256 * 1024 * 1024, maxFileBytes: 128 * 1024 * 1024 };

/**
 * A FileCache. An entry is used only while the caller's stat still shows the size and mtime it
 * was read at, so a replaced file (the import renames a new copy in place) is read again; a file
 * that changed while it was being read is not kept.
 */
export function createFileCache(options: FileCacheOptions = FILE_CACHE_DEFAULTS): FileCache {
  // Map order is recency order: a hit moves its entry to the end.
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<Buffer | undefined>>();
  let bytes = 0;
  let loadingBytes = 0;
  const idleMs = options.idleMs ?? 600_000;
  let sweeper: NodeJS.Timeout | undefined;

  const drop = (path: string) => {
    const old = entries.get(path);
    if (!old) return;
    entries.delete(path);
    bytes -= old.size;
    if (entries.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const sweep = () => {
    for (const [path, entry] of entries) if (Date.now() - entry.used >= idleMs) drop(path);
  };

  async function load(file: FileVersion): Promise<Buffer | undefined> {
    const body = await readFile(file.path);
    const after = await stat(file.path);
    if (body.length !== file.size || after.size !== file.size || after.mtimeMs !== file.mtimeMs) return undefined;
    drop(file.path);
    for (const [path] of entries) {
      if (bytes + body.length <= options.maxBytes) break;
      drop(path);
    }
    entries.set(file.path, { size: file.size, mtimeMs: file.mtimeMs, body, used: Date.now() });
    bytes += body.length;
    // unref: a cache must not keep the process alive.
    sweeper ??= setInterval(sweep, Math.max(1, idleMs / 2)).unref();
    return body;
  }

  return {
    get bytes() { return bytes; },
    async get(file) {
      if (file.size > options.maxFileBytes || file.size > options.maxBytes) return undefined;
      const hit = entries.get(file.path);
      if (hit && hit.size === file.size && hit.mtimeMs === file.mtimeMs) {
        entries.delete(file.path);
        entries.set(file.path, hit);
        hit.used = Date.now();
        return hit.body;
      }
      const key = `${file.path}\0${file.size}\0${file.mtimeMs}`;
      let pending = loading.get(key);
      if (!pending) {
        // Reads in flight count against the limit too: many different files asked for at once
        // (a mirror) are streamed rather than all read into memory together.
        if (loadingBytes + file.size > options.maxBytes) return undefined;
        loadingBytes += file.size;
        pending = load(file).catch(() => undefined).finally(() => {
          loading.delete(key);
          loadingBytes -= file.size;
        });
        loading.set(key, pending);
      }
      return pending;
    },
  };
}
