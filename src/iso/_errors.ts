// IsoBuildError: every way `maekin iso build` can fail, each with a code and the fix.

/** Codes of IsoBuildError. */
export type IsoBuildErrorCode =
  | "NO_XORRISO" | "SOURCE_MISSING" | "NOT_INSTALLER" | "NO_SPACE" | "CONFIG_UNFIT" | "PAYLOAD_FAILED" | "XORRISO_FAILED" | "RESULT_UNBOOTABLE";

/** A master ISO that cannot be built; the message names the file and the fix. */
export class IsoBuildError extends Error {
  constructor(readonly code: IsoBuildErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IsoBuildError";
  }
}
