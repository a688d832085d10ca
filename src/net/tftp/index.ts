// Public surface of the TFTP module: codec, server, handlers. Re-exports only.
export { decode, encode } from "./_codec.js";
export * from "./_constants.js";
export { TftpBindError, TftpError, type TftpErrorCode } from "./_errors.js";
export { bufferHandler, bufferSource, fileTreeHandler, firstOf, generatedHandler, openFileSource } from "./_handlers.js";
export { normalizeTftpPath, resolveInRoot } from "./_jail.js";
export { toNetascii } from "./_netascii.js";
export { negotiate, type Negotiated, type NegotiationLimits } from "./_options.js";
export type { AckPacket, DataPacket, DecodeFailure, DecodeResult, ErrorPacket, OackPacket, RequestPacket, TftpOption, TftpPacket } from "./_packet.js";
export { createTftpServer, type TftpServer, type TftpServerOptions } from "./_server.js";
export type { TftpClient, TftpHandler, TftpLogger, TftpMetrics, TftpSource, TftpStats, TransferReport } from "./_types.js";
export { silentLogger } from "./_types.js";
