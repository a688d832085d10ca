// Decoded TFTP packets: plain data, no behaviour.

/** One option of a request or OACK, as sent (name case kept so encode(decode(b)) is byte-exact). */
export interface TftpOption {
  readonly name: string;
  readonly value: string;
}

/** A read or write request (RFC 1350 §5, options per RFC 2347). */
export interface RequestPacket {
  readonly op: "RRQ" | "WRQ";
  readonly filename: string;
  /** Transfer mode as sent ("octet", "netascii", any case). */
  readonly mode: string;
  readonly options: readonly TftpOption[];
}

/** A block of file data; `block` is the 16-bit wire number. */
export interface DataPacket {
  readonly op: "DATA";
  readonly block: number;
  readonly data: Buffer;
}

/** An acknowledgement of a 16-bit block number (0 acknowledges a WRQ or an OACK). */
export interface AckPacket {
  readonly op: "ACK";
  readonly block: number;
}

/** An error; ends the transfer (RFC 1350 §7). */
export interface ErrorPacket {
  readonly op: "ERROR";
  readonly code: number;
  readonly message: string;
}

/** An option acknowledgement (RFC 2347). */
export interface OackPacket {
  readonly op: "OACK";
  readonly options: readonly TftpOption[];
}

/** Any TFTP packet. */
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

/** Why a datagram is not a TFTP packet. */
export interface DecodeFailure {
  readonly reason:
    | "too-short"
    | "unknown-opcode"
    | "unterminated-string"
    | "bad-encoding"
    | "missing-mode"
    | "option-without-value";
  readonly detail: string;
}

/** The outcome of decoding: a packet, or a reason; decoding never throws. */
export type DecodeResult = { readonly ok: true; readonly packet: TftpPacket } | { readonly ok: false; readonly error: DecodeFailure };
