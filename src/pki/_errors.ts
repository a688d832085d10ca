// PkiError: a CA that cannot be used or a certificate that cannot be issued, with the fix.

/** Codes of PkiError. */
export type PkiErrorCode = "ca-incomplete" | "ca-invalid" | "invalid-argument";

/** A refused CA or certificate operation; the message names the file or field and the fix. */
export class PkiError extends Error {
  override readonly name = "PkiError";
  constructor(readonly code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
