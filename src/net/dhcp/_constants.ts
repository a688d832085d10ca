// Wire constants of BOOTP/DHCPv4, each with the RFC that defines it.

/** RFC 2131 section 4.1: "DHCP messages from a client to a server are sent to the 'DHCP server' port (67)". */
export const SERVER_PORT = 67;
/** RFC 2131 section 4.1: "... and DHCP messages from a server to a client are sent to the 'DHCP client' port (68)". */
export const CLIENT_PORT = 68;
/** PXE 2.1 specification section 2.2.1: proxyDHCP and boot servers listen on port 4011. */
export const PXE_PORT = 4011;

/** RFC 2131 section 3: the first four octets of 'options' are the magic cookie 99.130.83.99. */
export const MAGIC_COOKIE = 0x63825363;
/** RFC 2131 section 2: op, htype, hlen, hops, xid, secs, flags, 4 addresses, chaddr(16), sname(64), file(128). */
export const FIXED_HEADER_LENGTH = 236;
/** Fixed header plus the magic cookie: where options start. */
export const OPTIONS_OFFSET = FIXED_HEADER_LENGTH + 4;
/** RFC 1542 section 3.4: a BOOTP message is at least 300 octets; some relays and clients drop shorter ones. */
export const BOOTP_MIN_LENGTH = 300;
/** RFC 2131 section 2: "a DHCP client must be prepared to receive DHCP messages with an 'options' field of at least length 312 octets", i.e. 576-octet IP datagrams. */
export const DEFAULT_MAX_MESSAGE_SIZE = 576;
/** IPv4 (20) and UDP (8) headers: RFC 2132 section 9.10 counts them in option 57. */
export const IP_UDP_OVERHEAD = 28;

/** RFC 2131 section 2: the leftmost bit of 'flags' is the BROADCAST flag. */
export const BROADCAST_FLAG = 0x8000;
/** RFC 2131 section 2: op 1 = BOOTREQUEST, 2 = BOOTREPLY. */
export const BOOTREQUEST = 1;
/** RFC 2131 section 2: op 2 = BOOTREPLY. */
export const BOOTREPLY = 2;
/** RFC 1700 / RFC 2131: htype 1 = 10 Mb Ethernet, hlen 6. */
export const HTYPE_ETHERNET = 1;

/** RFC 2132 section 9.6: DHCP message types (option 53). */
export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
/** A DHCP message type number (option 53). */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Names of message types for logs, stats and dumps. */
export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM",
};

/** Option codes this server reads or writes (RFC 2132 unless noted). */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  DOMAIN: 15,
  BROADCAST: 28,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_REQUEST: 55,
  MESSAGE: 56,
  MAX_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  TFTP_SERVER: 66,
  BOOTFILE: 67,
  /** RFC 3004 user class; iPXE sends the bare string "iPXE". */
  USER_CLASS: 77,
  /** RFC 3046 relay agent information. */
  RELAY_AGENT: 82,
  /** RFC 4578 section 2.1 client system architecture. */
  CLIENT_ARCH: 93,
  /** RFC 4578 section 2.2 client network device interface. */
  CLIENT_NDI: 94,
  /** RFC 4578 section 2.3 client machine identifier (UUID/GUID). */
  CLIENT_UUID: 97,
  END: 255,
} as const;

/** RFC 2132 section 9.3: option overload values: 1 = 'file' holds options, 2 = 'sname', 3 = both. */
export const Overload = { FILE: 1, SNAME: 2, BOTH: 3 } as const;
