// DHCPv4: codec (no sockets) and server (pool, reservations, leases, PXE, proxyDHCP, relay).
export { CLIENT_PORT, MessageType, Opt, PXE_PORT, SERVER_PORT } from "./_constants.js";
export { dumpPacket } from "./_dump.js";
export { getOption, option } from "./_options.js";
export type { DhcpOption, OptionValues } from "./_options.js";
export { chaddrOf, decodePacket, encodePacket, macOf } from "./_packet.js";
export type { DecodeError, DecodeResult, DhcpPacket } from "./_packet.js";
export { readLeases } from "./_lease-read.js";
export type { Recovered } from "./_lease-read.js";
export type { Clock, Lease } from "./_pool.js";
export { createDhcpServer } from "./_server.js";
export type { DhcpMode, DhcpPolicy, DhcpServer, DhcpServerOptions, HostAnswer, Logger } from "./_types.js";
export { DhcpError } from "./errors.js";
