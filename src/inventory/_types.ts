// The inventory's shapes and its one interface: the SQLite store implements it; tests and other
// transports may bring their own (an in-memory fake is `createInventory({ path: ":memory:" })`).
import type { MachineFacts } from "../boot/pxe.js";
import type { NodeState } from "./_states.js";

/** Monotonic enough wall clock in ms since the epoch; injected so tests control time. */
export interface Clock {
  now(): number;
}

/** Structured logger (pino-compatible shape, same as the DHCP server's). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What DHCP told about a machine's firmware, from its latest network boot. */
export interface Firmware {
  /** bios or uefi from option 93; unknown when the client sent no architecture. */
  readonly mode: "bios" | "uefi" | "unknown";
  /** RFC 4578 option 93 value, when sent. */
  readonly arch?: number;
  /** True once a request from iPXE was seen (the chain-load works, or the NIC ROM is iPXE). */
  readonly ipxe: boolean;
  /** UEFI HTTP boot (vendor class HTTPClient). */
  readonly httpBoot: boolean;
  readonly vendorClass?: string;
  readonly uuid?: string;
  /** Relay agent address when the requests are relayed. */
  readonly relay?: string;
}

/** Where a node record came from: maekin.yaml, or an unknown machine DHCP saw. */
export type NodeSource = "config" | "dhcp";

/** One node as the inventory knows it. Secrets are never part of it, only whether they exist. */
export interface NodeRecord {
  readonly id: number;
  /** Host name: from the config, or `mac-<12 hex>` for a discovered machine. */
  readonly name: string;
  /** Lower-case colon MACs, sorted. */
  readonly macs: readonly string[];
  readonly ip?: string;
  readonly profile?: string;
  readonly source: NodeSource;
  readonly state: NodeState;
  /** ms since the epoch when the node entered its state. */
  readonly stateSince: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Latest facts the agent reported (JSON object). */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly firmware?: Firmware;
  readonly lastHeartbeat?: number;
  readonly certSerial?: string;
  /** Why the node is failed (set while state is failed). */
  readonly failure?: { readonly reason: string; readonly check?: string };
  readonly hasInstallToken: boolean;
  readonly hasAgentKey: boolean;
}

/** One entry of the append-only event log. */
export interface NodeEvent {
  /** Global, strictly increasing: a server-sent-events cursor. */
  readonly id: number;
  /** The node's id; it outlives a forgotten node (the log keeps its history). */
  readonly nodeId: number;
  /** The node's name when the event happened. */
  readonly node: string;
  readonly time: number;
  /** e.g. "discovered", "state", "transition-refused", "install-progress" (caller-defined too). */
  readonly type: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A node as maekin.yaml declares it. */
export interface DeclaredNode {
  readonly name: string;
  readonly mac: string;
  readonly ip?: string;
  readonly profile?: string;
}

/** Options of transition(). */
export interface TransitionOptions {
  /** Why: required for failed, recorded in the event for every change. */
  readonly reason?: string;
  /** The failing check (e.g. "libvirt") when moving to failed. */
  readonly check?: string;
  /** An explicit admin reinstall: the only way back to booting from installed or later. */
  readonly admin?: boolean;
}

/** What transition() did. */
export interface TransitionResult {
  readonly node: NodeRecord;
  /** False for a no-op (same state). */
  readonly changed: boolean;
}

/** The event a caller appends (installer progress, syslog lines, agent reports). */
export interface EventInput {
  readonly type: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

/** The node inventory. Synchronous: every method returns once its change is durable. */
export interface Inventory {
  /** Records a DHCP sighting: creates a discovered node on first sight, refreshes its firmware. */
  upsertSeen(facts: MachineFacts): { node: NodeRecord; created: boolean };
  /** Creates or updates a node declared in maekin.yaml (adopts a discovered record with its MAC). */
  ensureNode(declared: DeclaredNode): NodeRecord;
  /** Attaches another MAC (e.g. from agent facts) to a node. */
  addMac(nodeId: number, mac: string): NodeRecord;
  get(nodeId: number): NodeRecord | undefined;
  getByMac(mac: string): NodeRecord | undefined;
  getByName(name: string): NodeRecord | undefined;
  /** The node whose current install token this is. */
  getByToken(installToken: string): NodeRecord | undefined;
  /** The node whose agent key this is. */
  getByAgentKey(agentKey: string): NodeRecord | undefined;
  /** Every node, by name. */
  list(): NodeRecord[];
  /** Moves a node to another state if the state machine allows it; throws InventoryError otherwise. */
  transition(nodeId: number, to: NodeState, options?: TransitionOptions): TransitionResult;
  appendEvent(nodeId: number, event: EventInput): NodeEvent;
  /** A node's events in order, after event id `after` (default 0), at most `limit` (default 1000). */
  events(nodeId: number, options?: { after?: number; limit?: number }): NodeEvent[];
  /** Every node's events after global id `afterId`, in order, at most `limit` (default 1000). */
  eventsSince(afterId: number, limit?: number): NodeEvent[];
  /** The id of the newest event (0 when there is none): where a live stream starts. */
  lastEventId(): number;
  /** Admin reinstall of a node (name or MAC): state booting, agent key revoked, new install token. */
  reinstall(ref: string): { node: NodeRecord; installToken: string };
  /** Removes a node (name or MAC) and its MACs and secrets; its events stay in the log. */
  forget(ref: string): NodeRecord;
  /** A new install token for the node (replacing the old one); the plaintext exists only in this return value. */
  issueInstallToken(nodeId: number): string;
  verifyInstallToken(nodeId: number, installToken: string): boolean;
  /** Invalidates the node's install token (e.g. once its agent registered, so a sniffed token is worthless). */
  revokeInstallToken(nodeId: number): NodeRecord;
  /** A new agent key for the node (replacing the old one); the plaintext exists only in this return value. */
  issueAgentKey(nodeId: number): string;
  verifyAgentKey(nodeId: number, agentKey: string): boolean;
  /** Records the serial of the certificate issued to the node. */
  setCertificateSerial(nodeId: number, serial: string): NodeRecord;
  /**
   * An agent's registration in one transaction: the install counts as finished, the certificate
   * serial, facts and a new agent key are stored, and the node moves to registered. A crash
   * leaves all of it or none. Refused moves (e.g. from failed) are in the event log, not thrown.
   * `ip` (the address the certificate names) becomes the node's address when it had none (an
   * enrolled machine); a declared address is never changed.
   */
  register(nodeId: number, input: RegisterInput): { node: NodeRecord; agentKey: string };
  /**
   * register(), group-committed: registrations arriving together share one transaction and one
   * fsync, each in its own savepoint; resolves once its registration is durable.
   */
  registerSoon(nodeId: number, input: RegisterInput): Promise<{ node: NodeRecord; agentKey: string }>;
  /** Stores the agent's facts and the heartbeat time (state changes are the caller's, via transition). */
  recordHeartbeat(nodeId: number, facts: Record<string, unknown>): NodeRecord;
  /** Moves registered/ready nodes with no heartbeat for maxAgeMs to offline; returns them. */
  markStale(now: number, maxAgeMs: number): NodeRecord[];
  /**
   * Resolves once every write committed before the call is on disk. With `syncOnCommit` (the
   * default) that is at once; without, it is one fdatasync off the event loop, shared by all who
   * wait meanwhile. Answer a client (2xx, a token) only after it.
   */
  durable(): Promise<void>;
  close(): void;
}

/** What an agent's registration stores. */
export interface RegisterInput {
  readonly serial: string;
  readonly facts: Record<string, unknown>;
  readonly ip?: string;
}

/** Options of createInventory. */
export interface InventoryOptions {
  /** SQLite file, e.g. `<stateDir>/inventory.db`; ":memory:" for tests. */
  readonly path: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * true (default): every write is on disk when its method returns (synchronous=FULL: an fsync
   * per commit, on the caller's thread). false: commits only write the WAL and `durable()` syncs
   * it on the thread pool, so a server's event loop never waits for the disk; writes nobody is
   * told about (a DHCP sighting, an installer's log line) then cost no fsync at all.
   */
  readonly syncOnCommit?: boolean;
  /**
   * A sync of the WAL failed (an I/O error): from then on durable() and group commits reject,
   * since nothing written after a lost write can be promised. The owner should stop and restart.
   */
  readonly onDurabilityLost?: (err: Error) => void;
}
