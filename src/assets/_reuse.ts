// One lookup answers every request for the same name within a short window. A boot storm asks
// for the same few files hundreds of times a second; each lookup is a few syscalls (realpath,
// stat) on the thread pool. A file replaced on disk is seen once the window has passed.

/** `lookup` wrapped so that calls with the same key within `ms` share one promise; errors become undefined. */
export function reuseFor<T>(ms: number, lookup: (key: string) => Promise<T | undefined>): (key: string) => Promise<T | undefined> {
  const recent = new Map<string, { at: number; value: Promise<T | undefined> }>();
  return (key) => {
    const now = performance.now();
    const hit = recent.get(key);
    if (hit && now - hit.at < ms) return hit.value;
    if (recent.size >= 1024) recent.clear(); // keys come from requests: keep the map bounded
    const value = lookup(key).catch(() => undefined);
    recent.set(key, { at: now, value });
    return value;
  };
}
