// One lookup answers every request for the same name within a short window. A boot storm asks
// for the same few files hundreds of times a second; each lookup is a few syscalls (realpath,
// stat) on the thread pool. Only a found value is reused: "not found" and errors (EMFILE in a
// storm) are asked again by the next request, so a passing failure is never served for a second.

/** `lookup` wrapped so that calls with the same key within `ms` share one promise while it finds something. */
export function reuseFor<T>(ms: number, lookup: (key: string) => Promise<T | undefined>): (key: string) => Promise<T | undefined> {
  const recent = new Map<string, { at: number; value: Promise<T | undefined> }>();
  return (key) => {
    const now = performance.now();
    const hit = recent.get(key);
    if (hit && now - hit.at < ms) return hit.value;
    if (recent.size >= 1024) recent.clear(); // keys come from requests: keep the map bounded
    const value = lookup(key);
    const entry = { at: now, value };
    recent.set(key, entry);
    const forget = () => { if (recent.get(key) === entry) recent.delete(key); };
    value.then((found) => { if (found === undefined) forget(); }, forget);
    return value;
  };
}
