// A byte-bounded LRU of whole files already cut into DATA packets (PacketRun), keyed by the
// file's identity and the blksize. Concurrent requests for the same key share one load.
import type { PacketRun } from "./_packets.js";

/** Counters of the cache. */
export interface ImageCacheStats {
  hits: number;
  misses: number;
  /** Bytes held by loaded entries. */
  bytes: number;
  entries: number;
}

/** Shared packet images of hot files; see createImageCache. */
export interface ImageCache {
  /** Largest total it holds, in bytes; 0 means it caches nothing. */
  readonly limitBytes: number;
  /**
   * The image for `key`, loading it with `load` on a miss. Undefined when an image of `bytes`
   * would not fit (the caller streams the file instead). A failed load is not cached.
   */
  get(key: string, bytes: number, load: () => Promise<PacketRun>): Promise<PacketRun> | undefined;
  readonly stats: Readonly<ImageCacheStats>;
}

interface Entry {
  readonly image: Promise<PacketRun>;
  readonly bytes: number;
}

/**
 * Creates a cache holding at most `limitBytes`. A file bigger than a quarter of it is never
 * cached, so one large transfer cannot evict every small hot file.
 */
export function createImageCache(limitBytes: number): ImageCache {
  const entries = new Map<string, Entry>(); // iteration order = least recently used first
  const stats: ImageCacheStats = { hits: 0, misses: 0, bytes: 0, entries: 0 };

  const drop = (key: string, entry: Entry) => {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    stats.bytes -= entry.bytes;
    stats.entries = entries.size;
  };

  return {
    limitBytes,
    get stats() {
      return { ...stats };
    },
    get(key, bytes, load) {
      const hit = entries.get(key);
      if (hit) {
        stats.hits++;
        entries.delete(key); // move to the most recently used end
        entries.set(key, hit);
        return hit.image;
      }
      if (bytes > limitBytes / 4) return undefined;
      stats.misses++;
      for (const [k, e] of entries) {
        if (stats.bytes + bytes <= limitBytes) break;
        drop(k, e); // transfers already using it keep their reference
      }
      const image = load();
      const entry: Entry = { image, bytes };
      entries.set(key, entry);
      stats.bytes += bytes;
      stats.entries = entries.size;
      image.catch(() => drop(key, entry));
      return image;
    },
  };
}
