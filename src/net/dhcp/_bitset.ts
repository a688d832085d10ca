// A fixed-size bit set that finds the next clear bit in O(log32 n): every 32 words of bits have one
// summary word whose bit k says "word k is full", recursively. The pool uses it to find a free
// address without walking the leases (a /14 pool is 8 KiB of bits plus 256 bytes of summaries).

/** A set of the integers [0, size). */
export interface Bitset {
  readonly size: number;
  has(i: number): boolean;
  set(i: number): void;
  clear(i: number): void;
  /** The first clear bit at or after `from`, or -1 when every bit from there on is set. */
  nextClear(from: number): number;
}

const FULL = 0xffffffff;

/** Creates an empty bit set of `size` bits. */
export function createBitset(size: number): Bitset {
  const words = new Uint32Array(Math.ceil(size / 32));
  // The tail of the last word is marked set, so "full" means "no clear bit inside the range".
  const tail = size % 32;
  if (tail !== 0) words[words.length - 1] = (FULL << tail) >>> 0;
  const summary = words.length > 1 ? createBitset(words.length) : undefined;

  function firstClearInWord(w: number, bit: number): number {
    const free = ~(words[w]! | ((1 << bit) - 1)) >>> 0; // clear bits at or above `bit`
    return free === 0 ? -1 : w * 32 + 31 - Math.clz32(free & -free);
  }

  return {
    size,
    has: (i) => ((words[i >>> 5]! >>> (i & 31)) & 1) === 1,
    set(i) {
      const w = i >>> 5;
      words[w] = (words[w]! | (1 << (i & 31))) >>> 0;
      if (words[w] === FULL) summary?.set(w);
    },
    clear(i) {
      const w = i >>> 5;
      if (words[w] === FULL) summary?.clear(w);
      words[w] = (words[w]! & ~(1 << (i & 31))) >>> 0;
    },
    nextClear(from) {
      if (from < 0) from = 0;
      if (from >= size) return -1;
      const w = from >>> 5;
      const here = firstClearInWord(w, from & 31);
      if (here >= 0) return here;
      if (!summary) return -1;
      const next = summary.nextClear(w + 1);
      return next < 0 ? -1 : firstClearInWord(next, 0);
    },
  };
}
