// Pure option negotiation for a read request (RFC 2347, 2348, 2349, 7440).
import {
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  MAX_TIMEOUT_S,
  MAX_WINDOWSIZE,
  MIN_BLKSIZE,
  MIN_TIMEOUT_S,
  MIN_WINDOWSIZE,
} from "./_constants.js";
import type { TftpOption } from "./_packet.js";

/** The server's ceilings for negotiated values. */
export interface NegotiationLimits {
  /** Largest blksize granted (clamped to 8..65464); an MTU-derived value such as 1468. */
  readonly maxBlksize: number;
  /** Largest windowsize granted (clamped to 1..65535). */
  readonly maxWindowsize: number;
}

/** What a transfer runs with, and the OACK options to send (empty: no OACK, plain RFC 1350). */
export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Retransmission timeout the client asked for (RFC 2349), in ms; the server caps it at its own. */
  readonly timeoutMs: number | undefined;
  readonly oack: readonly TftpOption[];
}

// Strict decimal: "0x10", "1e3", " 5" and "" are not numbers a client meant.
const integer = (value: string): number | undefined => (/^[0-9]{1,10}$/.test(value) ? Number(value) : undefined);
const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

/**
 * Answers a request's options. Names are case-insensitive; unknown or out-of-range options are
 * left out of the OACK (RFC 2347: the server "should not" acknowledge what it does not support);
 * blksize and windowsize above our ceiling are lowered, as RFC 2348 and 7440 allow.
 * `size` is the file size for tsize (RFC 2349), or undefined when it is not known up front.
 */
export function negotiate(options: readonly TftpOption[], size: number | undefined, limits: NegotiationLimits): Negotiated {
  const maxBlk = clamp(Math.floor(limits.maxBlksize), MIN_BLKSIZE, MAX_BLKSIZE);
  const maxWin = clamp(Math.floor(limits.maxWindowsize), MIN_WINDOWSIZE, MAX_WINDOWSIZE);
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let timeoutMs: number | undefined;
  const oack: TftpOption[] = [];
  const seen = new Set<string>();

  for (const { name, value } of options) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue; // The first of a duplicated option wins.
    seen.add(key);
    const n = integer(value);
    switch (key) {
      case "blksize":
        if (n === undefined || n < MIN_BLKSIZE) break;
        blksize = Math.min(n, maxBlk);
        oack.push({ name: key, value: String(blksize) });
        break;
      case "windowsize":
        if (n === undefined || n < MIN_WINDOWSIZE) break;
        windowsize = Math.min(n, maxWin);
        oack.push({ name: key, value: String(windowsize) });
        break;
      case "timeout":
        if (n === undefined || n < MIN_TIMEOUT_S || n > MAX_TIMEOUT_S) break;
        timeoutMs = n * 1000;
        oack.push({ name: key, value: String(n) });
        break;
      case "tsize":
        // RFC 2349: on a read request the client sends 0 and the server answers the real size.
        if (n === undefined || size === undefined) break;
        oack.push({ name: key, value: String(size) });
        break;
      default:
        break;
    }
  }
  return { blksize, windowsize, timeoutMs, oack };
}
