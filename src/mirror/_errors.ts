// The mirror's one error type: a code for scripts, a message that names the thing and the fix.

/** A mirror sync or signing failure. */
export class MirrorError extends Error {
  readonly code: string;
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "MirrorError";
    this.code = options?.code ?? "MIRROR_FAILED";
  }
}
