// How far the master lets V8's heap run ahead of its live data. By default V8 lets the old
// generation grow to up to 4x what survived the last full collection before it collects again,
// and a server that allocates fast (a boot storm: 1000 TFTP transfers, HTTP responses and
// inventory writes at once) gets the large factors: in a 1000-node storm the master had ~40 MB
// live and 100-120 MB of old generation, 216 MB RSS. Growing by 1.5x instead held it at 163-170
// MB with no slower storm (bench/storm.ts, README). The factor is read at every collection, so it
// can be set from inside the process (unlike the young generation's size, a start-up flag).
import { setFlagsFromString } from "node:v8";

/** The V8 flag, as `node --v8-options` names it. */
export const HEAP_GROWING_FLAG = "--heap-growing-percent";
/** Old generation grows by this percent over the live data between full collections. */
export const HEAP_GROWING_PERCENT = 50;

/** Bounds the heap's growth for the rest of this process (call once, before serving). */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  if (!Number.isInteger(percent) || percent < 1) throw new RangeError(`heap growing percent must be a positive integer, not ${percent}`);
  setFlagsFromString(`${HEAP_GROWING_FLAG}=${percent}`);
}
