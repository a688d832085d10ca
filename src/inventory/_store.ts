// The SQLite inventory: nodes, MACs, lifecycle and the event log behind the Inventory interface.
// Every method is one transaction; better-sqlite3 is synchronous, so when a method returns, its
// change is committed, and on disk too unless the owner chose `syncOnCommit: false` and waits
// for `durable()` before telling anyone.
import type { MachineFacts } from "../boot/pxe.js";
import { normalizeMac } from "../model/mac.js";
import { openDatabase } from "./_db.js";
import { InventoryError } from "./_errors.js";
import { discoveredName, firmwareFromFacts } from "./_firmware.js";
import type { NodeRow } from "./_rows.js";
import { createSecrets } from "./_secrets.js";
import { createBarrier } from "./_barrier.js";
import { createGroupCommit } from "./_group-commit.js";
import { prepareStatements } from "./_statements.js";
import { checkTransition, isInstalled, type NodeState } from "./_states.js";
import type { Clock, DeclaredNode, EventInput, Inventory, InventoryOptions, Logger, NodeRecord, RegisterInput, TransitionOptions, TransitionResult } from "./_types.js";

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const SYSTEM_CLOCK: Clock = { now: () => Date.now() };
const DEFAULT_LIMIT = 1000;

/** Opens (creating and migrating) the inventory at options.path. */
export function createInventory(options: InventoryOptions): Inventory {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const logger = options.logger ?? SILENT;
  const syncOnCommit = options.syncOnCommit !== false;
  const db = openDatabase(options.path, { syncOnCommit });
  const barrier = createBarrier(db, options.onDurabilityLost ? { onFailure: options.onDurabilityLost } : {});
  const q = prepareStatements(db);

  function canonicalMac(text: string): string {
    const mac = normalizeMac(text);
    if (!mac) throw new InventoryError("invalid-argument", `"${text}" is not a MAC address; write it as aa:bb:cc:dd:ee:ff`);
    return mac;
  }

  function row(nodeId: number): NodeRow {
    const found = q.nodeById.get(nodeId);
    if (!found) throw new InventoryError("not-found", `no node with id ${nodeId} in the inventory; it may have been forgotten (maekin nodes list)`);
    return found;
  }

  /** A node by name, else by MAC: what an admin types after `maekin nodes reinstall`. */
  function resolve(ref: string): NodeRow {
    const mac = normalizeMac(ref);
    const found = q.nodeByName.get(ref) ?? (mac ? q.nodeByMac.get(mac) : undefined);
    if (!found) throw new InventoryError("not-found", `no node named or with MAC "${ref}" in the inventory; see maekin nodes list`);
    return found;
  }

  /** State change inside a transaction; returns the refusal reason instead of throwing. */
  function applyTransition(r: NodeRow, to: NodeState, opts: TransitionOptions): { changed: boolean; refused?: string } {
    if (to === "failed" && !opts.reason) {
      throw new InventoryError("invalid-argument", `moving ${r.name} to failed needs a reason; pass { reason } saying what broke`);
    }
    const check = checkTransition(r.state, to, opts);
    const now = clock.now();
    const data = { from: r.state, to, ...(opts.reason && { reason: opts.reason }), ...(opts.check && { check: opts.check }), ...(opts.admin && { admin: true }) };
    if (check.kind === "illegal") {
      q.event(r, now, "transition-refused", `refused ${r.state} -> ${to}: ${check.why}`, data);
      return { changed: false, refused: check.why };
    }
    if (check.kind === "noop") {
      // A failed node failing again keeps its state but takes the newer reason.
      if (to === "failed" && (opts.reason !== r.failure_reason || (opts.check ?? null) !== r.failing_check)) {
        q.setFailure.run({ id: r.id, now, reason: opts.reason ?? null, check: opts.check ?? null });
        q.event(r, now, "failure", `still failed: ${opts.reason}`, data);
      }
      return { changed: false };
    }
    const failed = to === "failed";
    q.setState.run({ id: r.id, state: to, now, reason: failed ? opts.reason ?? null : null, check: failed ? opts.check ?? null : null });
    q.event(r, now, "state", `${r.state} -> ${to}${opts.reason ? `: ${opts.reason}` : ""}`, data);
    logger.info("node state", { node: r.name, from: r.state, to, ...(opts.reason && { reason: opts.reason }) });
    return { changed: true };
  }

  function insertNode(name: string, fields: { ip?: string; profile?: string; source: "config" | "dhcp"; firmware?: string }): NodeRow {
    const { lastInsertRowid } = q.insertNode.run({
      name, ip: fields.ip ?? null, profile: fields.profile ?? null, source: fields.source, state: "discovered", now: clock.now(), firmware: fields.firmware ?? null,
    });
    return row(Number(lastInsertRowid));
  }

  /**
   * Deletes a node (its MACs and secret hashes go with the row); the log keeps its history and
   * gets a last entry. Why not delete the events or keep a "forgotten" row: the log is append-only
   * (enforced by triggers), an admin may need to know later what a decommissioned machine did,
   * and a row kept around would keep holding its MACs and name. AUTOINCREMENT never reuses an id,
   * so a machine seen again after forget starts a fresh timeline.
   */
  function removeNode(r: NodeRow, message: string): void {
    q.event(r, clock.now(), "forgotten", message, { name: r.name, macs: q.macsOf.all(r.id).map((m) => m.mac) });
    q.deleteNode.run(r.id);
  }

  const upsertSeen = db.transaction((facts: MachineFacts): { node: NodeRecord; created: boolean } => {
    const mac = canonicalMac(facts.mac);
    const known = q.nodeByMac.get(mac);
    if (known) {
      const before = known.firmware;
      const after = JSON.stringify(firmwareFromFacts(facts, before ? JSON.parse(before) : undefined));
      // Only a change is written: a boot storm of repeated DHCP packets costs no fsync.
      if (after !== before) q.setFirmware.run(after, clock.now(), known.id);
      if (before === null) q.event(known, clock.now(), "seen", `first seen by DHCP (${firmwareFromFacts(facts).mode})`, { mac });
      return { node: q.record(row(known.id)), created: false };
    }
    let name = discoveredName(mac);
    for (let n = 2; q.nodeByName.get(name); n++) name = `${discoveredName(mac)}-${n}`;
    const firmware = firmwareFromFacts(facts);
    const r = insertNode(name, { source: "dhcp", firmware: JSON.stringify(firmware) });
    q.insertMac.run(mac, r.id, "dhcp");
    q.event(r, clock.now(), "discovered", `first seen by DHCP (${firmware.mode}${firmware.ipxe ? ", iPXE" : ""})`, { mac, firmware });
    logger.info("node discovered", { node: name, mac, firmware: firmware.mode });
    return { node: q.record(row(r.id)), created: true };
  });

  const ensureNode = db.transaction((declared: DeclaredNode): NodeRecord => {
    const mac = canonicalMac(declared.mac);
    const byName = q.nodeByName.get(declared.name);
    let byMac = q.nodeByMac.get(mac);
    if (byName && byMac && byName.id !== byMac.id) {
      if (byMac.source !== "dhcp") {
        throw new InventoryError("conflict",
          `maekin.yaml gives MAC ${mac} to ${declared.name}, but the inventory has it on node ${byMac.name}; forget that node first (maekin nodes forget ${byMac.name})`);
      }
      removeNode(byMac, `merged into ${declared.name}, which maekin.yaml declares with MAC ${mac}`);
      byMac = undefined;
    }
    const now = clock.now();
    const target = byName ?? byMac;
    const fields = { ip: declared.ip ?? null, profile: declared.profile ?? null };
    if (!target) {
      const r = insertNode(declared.name, { ...(declared.ip && { ip: declared.ip }), ...(declared.profile && { profile: declared.profile }), source: "config" });
      q.insertMac.run(mac, r.id, "config");
      q.event(r, now, "declared", `declared in maekin.yaml with MAC ${mac}`, { mac, ...fields });
      return q.record(row(r.id));
    }
    const changes: Record<string, unknown> = {};
    if (target.name !== declared.name) changes.name = { from: target.name, to: declared.name };
    if (target.ip !== fields.ip) changes.ip = { from: target.ip, to: fields.ip };
    if (target.profile !== fields.profile) changes.profile = { from: target.profile, to: fields.profile };
    if (target.source !== "config") changes.source = { from: target.source, to: "config" };
    // maekin.yaml owns the MACs it declared: a MAC replaced there leaves the node here too.
    const dropped = q.dropConfigMacs.run(target.id, mac).changes;
    const macRow = q.macRow.get(mac);
    if (!macRow) q.insertMac.run(mac, target.id, "config");
    else if (macRow.origin !== "config") q.setMacOrigin.run("config", mac);
    if (!macRow || dropped) changes.mac = mac;
    if (Object.keys(changes).length) {
      q.updateDeclared.run({ id: target.id, name: declared.name, ...fields, now });
      const adopted = target.source === "dhcp";
      q.event({ id: target.id, name: declared.name }, now, adopted ? "adopted" : "config-changed",
        adopted ? `discovered machine ${target.name} adopted as ${declared.name} from maekin.yaml` : `maekin.yaml changed ${Object.keys(changes).join(", ")}`, changes);
    }
    return q.record(row(target.id));
  });

  const addMac = db.transaction((nodeId: number, text: string): NodeRecord => {
    const mac = canonicalMac(text);
    const r = row(nodeId);
    const owner = q.macRow.get(mac);
    if (owner && owner.node_id !== nodeId) {
      const other = row(owner.node_id);
      throw new InventoryError("conflict", `MAC ${mac} belongs to node ${other.name}; forget it first (maekin nodes forget ${other.name}) to move the MAC to ${r.name}`);
    }
    if (!owner) {
      q.insertMac.run(mac, nodeId, "agent");
      q.event(r, clock.now(), "mac-added", `MAC ${mac} added`, { mac });
    }
    return q.record(row(nodeId));
  });

  const transitionTx = db.transaction((nodeId: number, to: NodeState, opts: TransitionOptions) => {
    const r = row(nodeId);
    return { r, ...applyTransition(r, to, opts) };
  });

  function transition(nodeId: number, to: NodeState, opts: TransitionOptions = {}): TransitionResult {
    const { r, changed, refused } = transitionTx(nodeId, to, opts);
    if (refused) {
      // The refusal is already in the event log (committed above); the caller gets the error.
      logger.warn("illegal node transition refused", { node: r.name, from: r.state, to, why: refused });
      throw new InventoryError("illegal-transition", `node ${r.name}: cannot move ${r.state} -> ${to}: ${refused}`);
    }
    return { node: q.record(row(nodeId)), changed };
  }

  const secrets = createSecrets({ q, clock, row, record: (r) => q.record(r) });

  const reinstall = db.transaction((ref: string) => {
    const r = resolve(ref);
    applyTransition(r, "booting", { admin: true, reason: "admin reinstall" });
    // The disk will be wiped: the old agent's key must not keep authenticating.
    q.setAgentHash.run(null, clock.now(), r.id);
    q.clearHeartbeat.run(clock.now(), r.id);
    const installToken = secrets.issueInstallToken(r.id);
    q.event(r, clock.now(), "reinstall", "admin asked for a reinstall; agent key revoked, new install token issued");
    logger.info("node reinstall", { node: r.name });
    return { node: q.record(row(r.id)), installToken };
  });

  const forget = db.transaction((ref: string): NodeRecord => {
    const r = resolve(ref);
    const node = q.record(r);
    removeNode(r, `forgotten by an admin (MACs ${node.macs.join(", ")})`);
    logger.info("node forgotten", { node: r.name });
    return node;
  });

  const appendEvent = db.transaction((nodeId: number, input: EventInput) => {
    if (!input.type || typeof input.message !== "string") {
      throw new InventoryError("invalid-argument", "an event needs a non-empty type and a message string");
    }
    if (input.data !== undefined && (typeof input.data !== "object" || input.data === null || Array.isArray(input.data))) {
      throw new InventoryError("invalid-argument", "event data must be a JSON object");
    }
    return q.event(row(nodeId), clock.now(), input.type, input.message, input.data);
  });

  const recordHeartbeat = db.transaction((nodeId: number, facts: Record<string, unknown>): NodeRecord => {
    if (typeof facts !== "object" || facts === null || Array.isArray(facts)) {
      throw new InventoryError("invalid-argument", "heartbeat facts must be a JSON object");
    }
    row(nodeId);
    const now = clock.now();
    q.setHeartbeat.run(JSON.stringify(facts), now, now, nodeId);
    return q.record(row(nodeId));
  });

  const register = db.transaction((nodeId: number, input: RegisterInput) => {
    // An agent that registers proves the install finished, even if install.done was lost.
    for (const step of ["installing", "installed"] as const) {
      const r = row(nodeId);
      if (!isInstalled(r.state) && r.state !== "failed") applyTransition(r, step, { reason: "agent registered: the install finished" });
    }
    if (input.ip) q.setIpIfUnset.run(input.ip, clock.now(), nodeId);
    secrets.setCertificateSerial(nodeId, input.serial);
    recordHeartbeat(nodeId, input.facts);
    const agentKey = secrets.issueAgentKey(nodeId);
    applyTransition(row(nodeId), "registered", { reason: "agent registered" });
    return { node: q.record(row(nodeId)), agentKey };
  });

  const group = createGroupCommit(db, undefined, barrier);

  const markStale = db.transaction((now: number, maxAgeMs: number): NodeRecord[] => {
    return q.staleNodes.all(now - maxAgeMs).map((r) => {
      const age = Math.round((now - (r.last_heartbeat ?? r.state_since)) / 1000);
      applyTransition(r, "offline", { reason: r.last_heartbeat === null ? `no heartbeat since ${r.state} ${age}s ago` : `no heartbeat for ${age}s` });
      return q.record(row(r.id));
    });
  });

  return {
    upsertSeen,
    ensureNode,
    addMac,
    get: (nodeId) => { const r = q.nodeById.get(nodeId); return r && q.record(r); },
    getByMac: (mac) => { const m = normalizeMac(mac); const r = m ? q.nodeByMac.get(m) : undefined; return r && q.record(r); },
    getByName: (name) => { const r = q.nodeByName.get(name); return r && q.record(r); },
    getByToken: secrets.getByToken,
    getByAgentKey: secrets.getByAgentKey,
    list: () => q.allRecords(),
    transition,
    appendEvent,
    events: (nodeId, o = {}) => q.eventsOf.all(nodeId, o.after ?? 0, o.limit ?? DEFAULT_LIMIT).map(q.toEvent),
    eventsSince: (afterId, limit = DEFAULT_LIMIT) => q.eventsAfter.all(afterId, limit).map(q.toEvent),
    lastEventId: () => q.lastEventId.get()?.id ?? 0,
    reinstall,
    forget,
    issueInstallToken: db.transaction(secrets.issueInstallToken),
    verifyInstallToken: secrets.verifyInstallToken,
    revokeInstallToken: db.transaction(secrets.revokeInstallToken),
    issueAgentKey: db.transaction(secrets.issueAgentKey),
    verifyAgentKey: secrets.verifyAgentKey,
    setCertificateSerial: db.transaction(secrets.setCertificateSerial),
    register,
    registerSoon: (nodeId, input) => group.run(() => register(nodeId, input)),
    recordHeartbeat,
    markStale,
    durable: () => (syncOnCommit ? Promise.resolve() : barrier.wait()),
    close: () => {
      void group.close();
      db.close();
    },
  };
}
