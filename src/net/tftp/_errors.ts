// The named error of the TFTP layer; its `code` maps one-to-one to a wire error code.
import { ErrorCode, type ErrorCodeName } from "./_constants.js";

/** Codes a TftpError carries; each names the RFC 1350 error code it is sent as. */
export type TftpErrorCode = `TFTP_${ErrorCodeName}`;

/** A refusal a handler or the server turns into an ERROR packet (message goes to the client). */
export class TftpError extends Error {
  override readonly name = "TftpError";
  readonly code: TftpErrorCode;

  constructor(code: TftpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The RFC 1350 error code sent on the wire. */
  get wireCode(): number {
    return ErrorCode[this.code.slice("TFTP_".length) as ErrorCodeName];
  }
}

/** The server could not bind its socket; says which address and how to fix it. */
export class TftpBindError extends Error {
  override readonly name = "TftpBindError";
  readonly code = "TFTP_BIND_FAILED";

  constructor(address: string, port: number, cause: unknown) {
    const why = (cause as NodeJS.ErrnoException | undefined)?.code ?? String(cause);
    super(
      `TFTP cannot listen on ${address}:${port} (${why}): stop the other TFTP server (e.g. tftpd-hpa) ` +
        `or choose another tftp address/port; port 69 needs root or CAP_NET_BIND_SERVICE`,
      { cause },
    );
  }
}
