// Named errors of the DHCP server, with a code for stats and a message that says how to fix it.

/** Codes of DhcpError. */
export type DhcpErrorCode = "too-large" | "bind-failed" | "bad-options" | "lease-file";

/** A DHCP server or encoder failure (not a bad packet: those are counted, never thrown). */
export class DhcpError extends Error {
  override readonly name = "DhcpError";
  constructor(readonly code: DhcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
