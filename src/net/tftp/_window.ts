// Pure sliding-window bookkeeping for the sending side (RFC 7440), on absolute block numbers.
// Absolute numbers grow without bound; the wire carries them modulo 2^16 (0 after 65535).
import { BLOCK_MODULO } from "./_constants.js";

/** The 16-bit block number that carries absolute block `abs`. */
export const wireBlock = (abs: number): number => abs % BLOCK_MODULO;

/** Sender state. Block 0 stands for the OACK, which ACK 0 acknowledges (RFC 2347). */
export interface WindowState {
  /** Lowest block not yet acknowledged. */
  readonly base: number;
  /** Next block to put on the wire. */
  readonly next: number;
  /** Highest block sent so far. */
  readonly highest: number;
  readonly windowsize: number;
}

/** What an ACK did to the window. */
export type AckEffect =
  | { readonly kind: "ignored" } // duplicate, old or from the future: never triggers a resend
  | { readonly kind: "advanced"; readonly state: WindowState; readonly acked: number };

/** The start of a transfer: at block 0 when an OACK goes first, else at block 1. */
export function startWindow(windowsize: number, withOack: boolean): WindowState {
  const first = withOack ? 0 : 1;
  return { base: first, next: first, highest: first - 1, windowsize };
}

/**
 * Maps a wire ACK onto the window. Only an ACK at or past the base and at most the highest block
 * sent moves anything: older or duplicate ACKs are ignored, so a delayed duplicate cannot double
 * the traffic (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1). An ACK inside the window that
 * is short of its end means the client missed the block after it: sending resumes there (RFC 7440 §4).
 */
export function onAck(state: WindowState, wire: number): AckEffect {
  const before = state.base - 1; // the newest block already acknowledged
  const delta = (wire - (before % BLOCK_MODULO) + BLOCK_MODULO) % BLOCK_MODULO;
  const acked = before + delta;
  if (delta === 0 || acked > state.highest) return { kind: "ignored" };
  const base = acked + 1;
  return { kind: "advanced", acked, state: { base, next: base, highest: state.highest, windowsize: state.windowsize } };
}

/** Blocks that may go on the wire now: from `next` up to the window's end and the last block. */
export function sendable(state: WindowState, last: number | undefined): number {
  // Until ACK 0 arrives the OACK is alone on the wire: no DATA before the options are agreed.
  const windowEnd = state.base === 0 ? 0 : state.base + state.windowsize - 1;
  const end = Math.min(windowEnd, last ?? Number.MAX_SAFE_INTEGER);
  return Math.max(0, end - state.next + 1);
}

/** Records that block `state.next` went on the wire. */
export function sent(state: WindowState): WindowState {
  // Spelled out rather than spread: this runs once per block.
  return { base: state.base, next: state.next + 1, highest: Math.max(state.highest, state.next), windowsize: state.windowsize };
}

/** After a timeout: resend the whole window from its base (RFC 7440 §4). */
export function rewind(state: WindowState): WindowState {
  return { ...state, next: state.base };
}
