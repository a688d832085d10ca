// Wire constants of TFTP, each with the RFC text it comes from.

/** Opcodes. RFC 1350 §5: "1 Read request (RRQ) ... 5 Error (ERROR)"; RFC 2347 §2: "6 OACK". */
export const Opcode = {
  RRQ: 1,
  WRQ: 2,
  DATA: 3,
  ACK: 4,
  ERROR: 5,
  OACK: 6,
} as const;

/** Opcode names as they appear in decoded packets. */
export type OpcodeName = keyof typeof Opcode;

/** Error codes. RFC 1350 Appendix "Error Codes" 0..7; RFC 2347 §2 adds 8 (option negotiation). */
export const ErrorCode = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;

/** Name of a TFTP error code (the keys of ErrorCode). */
export type ErrorCodeName = keyof typeof ErrorCode;

/** RFC 1350 §6: "The data field is from zero to 512 bytes long"; the size without a blksize option. */
export const DEFAULT_BLKSIZE = 512;

/** RFC 2348: "Valid values range between 8 and 65464 octets, inclusive." */
export const MIN_BLKSIZE = 8;
/** RFC 2348: the largest blksize (65535 minus IP and UDP headers). */
export const MAX_BLKSIZE = 65464;

/** MTU-derived default ceiling: 1500 (Ethernet) - 20 (IPv4) - 8 (UDP) - 4 (TFTP header). */
export const DEFAULT_MAX_BLKSIZE = 1468;

/** RFC 2349 §"Timeout Interval Option": "Valid values range between 1 and 255 seconds, inclusive." */
export const MIN_TIMEOUT_S = 1;
/** RFC 2349: upper bound of the timeout option, in seconds. */
export const MAX_TIMEOUT_S = 255;

/** RFC 7440 §3: "Valid values range between 1 and 65535 blocks, inclusive." */
export const MIN_WINDOWSIZE = 1;
/** RFC 7440: upper bound of the windowsize option. */
export const MAX_WINDOWSIZE = 65535;

/** Block numbers are 16 bits (RFC 1350 §5); after 65535 they wrap to 0, as tftpd-hpa and atftp do. */
export const BLOCK_MODULO = 0x10000;

/** RFC 1350 §5: the well-known port a server listens on for requests. */
export const TFTP_PORT = 69;
