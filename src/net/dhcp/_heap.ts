// A binary min-heap keyed by a number: the pool's expiry queue, so expired leases are found in
// O(log n) each instead of by a sweep over all leases.

/** A min-heap of items ordered by key(item). */
export interface MinHeap<T> {
  readonly size: number;
  push(item: T): void;
  /** The smallest item without removing it. */
  peek(): T | undefined;
  pop(): T | undefined;
  /** Keeps only items for which keep() is true (O(n); for shedding stale entries). */
  filter(keep: (item: T) => boolean): void;
}

/** Creates an empty heap ordered by key. */
export function createMinHeap<T>(key: (item: T) => number): MinHeap<T> {
  let a: T[] = [];
  const less = (i: number, j: number) => key(a[i]!) < key(a[j]!);
  function swap(i: number, j: number): void { const t = a[i]!; a[i] = a[j]!; a[j] = t; }
  function up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) return;
      swap(i, p);
      i = p;
    }
  }
  function down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && less(l, m)) m = l;
      if (r < a.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  }
  return {
    get size() { return a.length; },
    push(item) { a.push(item); up(a.length - 1); },
    peek: () => a[0],
    pop() {
      const top = a[0];
      const last = a.pop();
      if (a.length > 0 && last !== undefined) { a[0] = last; down(0); }
      return top;
    },
    filter(keep) {
      a = a.filter(keep);
      for (let i = (a.length >> 1) - 1; i >= 0; i--) down(i);
    },
  };
}
