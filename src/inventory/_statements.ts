// The inventory's SQL, prepared once per database: reads that return records, and the small
// writes the store composes inside its transactions.
import type Database from "better-sqlite3";
import { toNodeEvent, toNodeRecord, type EventRow, type NodeRow } from "./_rows.js";
import type { NodeEvent, NodeRecord } from "./_types.js";

/** Where a MAC came from: the config replaces its own MACs, never the others. */
export type MacOrigin = "config" | "dhcp" | "agent";

/** Prepared statements and record readers over one open database. */
export type Statements = ReturnType<typeof prepareStatements>;

/** Prepares every statement of the store. */
export function prepareStatements(db: Database.Database) {
  const s = {
    nodeById: db.prepare<[number], NodeRow>("SELECT * FROM nodes WHERE id = ?"),
    nodeByName: db.prepare<[string], NodeRow>("SELECT * FROM nodes WHERE name = ?"),
    nodeByMac: db.prepare<[string], NodeRow>("SELECT n.* FROM nodes n JOIN node_macs m ON m.node_id = n.id WHERE m.mac = ?"),
    nodeByInstallHash: db.prepare<[string], NodeRow>("SELECT * FROM nodes WHERE install_token_hash = ?"),
    nodeByAgentHash: db.prepare<[string], NodeRow>("SELECT * FROM nodes WHERE agent_key_hash = ?"),
    allNodes: db.prepare<[], NodeRow>("SELECT * FROM nodes ORDER BY name"),
    staleNodes: db.prepare<[number], NodeRow>(
      "SELECT * FROM nodes WHERE state IN ('registered', 'ready') AND coalesce(last_heartbeat, state_since) < ? ORDER BY name"),
    macsOf: db.prepare<[number], { mac: string }>("SELECT mac FROM node_macs WHERE node_id = ?"),
    macRow: db.prepare<[string], { mac: string; node_id: number; origin: MacOrigin }>("SELECT * FROM node_macs WHERE mac = ?"),
    allMacs: db.prepare<[], { mac: string; node_id: number }>("SELECT mac, node_id FROM node_macs"),
    insertNode: db.prepare<{ name: string; ip: string | null; profile: string | null; source: string; state: string; now: number; firmware: string | null }>(
      `INSERT INTO nodes (name, ip, profile, source, state, state_since, created_at, updated_at, firmware)
       VALUES (@name, @ip, @profile, @source, @state, @now, @now, @now, @firmware)`),
    insertMac: db.prepare<[string, number, MacOrigin]>("INSERT INTO node_macs (mac, node_id, origin) VALUES (?, ?, ?)"),
    setMacOrigin: db.prepare<[MacOrigin, string]>("UPDATE node_macs SET origin = ? WHERE mac = ?"),
    dropConfigMacs: db.prepare<[number, string]>("DELETE FROM node_macs WHERE node_id = ? AND origin = 'config' AND mac <> ?"),
    deleteNode: db.prepare<[number]>("DELETE FROM nodes WHERE id = ?"),
    updateDeclared: db.prepare<{ id: number; name: string; ip: string | null; profile: string | null; now: number }>(
      "UPDATE nodes SET name = @name, ip = @ip, profile = @profile, source = 'config', updated_at = @now WHERE id = @id"),
    setFirmware: db.prepare<[string, number, number]>("UPDATE nodes SET firmware = ?, updated_at = ? WHERE id = ?"),
    setState: db.prepare<{ id: number; state: string; now: number; reason: string | null; check: string | null }>(
      `UPDATE nodes SET state = @state, state_since = @now, updated_at = @now,
       failure_reason = @reason, failing_check = @check WHERE id = @id`),
    setFailure: db.prepare<{ id: number; now: number; reason: string | null; check: string | null }>(
      "UPDATE nodes SET failure_reason = @reason, failing_check = @check, updated_at = @now WHERE id = @id"),
    setInstallHash: db.prepare<[string | null, number, number]>("UPDATE nodes SET install_token_hash = ?, updated_at = ? WHERE id = ?"),
    setAgentHash: db.prepare<[string | null, number, number]>("UPDATE nodes SET agent_key_hash = ?, updated_at = ? WHERE id = ?"),
    setIpIfUnset: db.prepare<[string, number, number]>("UPDATE nodes SET ip = ?, updated_at = ? WHERE id = ? AND ip IS NULL"),
    setCertSerial: db.prepare<[string, number, number]>("UPDATE nodes SET cert_serial = ?, updated_at = ? WHERE id = ?"),
    setHeartbeat: db.prepare<[string, number, number, number]>("UPDATE nodes SET facts = ?, last_heartbeat = ?, updated_at = ? WHERE id = ?"),
    clearHeartbeat: db.prepare<[number, number]>("UPDATE nodes SET last_heartbeat = NULL, updated_at = ? WHERE id = ?"),
    insertEvent: db.prepare<[number, string, number, string, string, string], EventRow>(
      "INSERT INTO events (node_id, node_name, time, type, message, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING *"),
    eventsOf: db.prepare<[number, number, number], EventRow>("SELECT * FROM events WHERE node_id = ? AND id > ? ORDER BY id LIMIT ?"),
    eventsAfter: db.prepare<[number, number], EventRow>("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?"),
    lastEventId: db.prepare<[], { id: number | null }>("SELECT max(id) AS id FROM events"),
  };

  /** The record of a row, with its MACs. */
  function record(row: NodeRow): NodeRecord {
    return toNodeRecord(row, s.macsOf.all(row.id).map((m) => m.mac));
  }

  /** Appends one event; the only way anything enters the log. */
  function event(row: Pick<NodeRow, "id" | "name">, time: number, type: string, message: string, data: Record<string, unknown> = {}): NodeEvent {
    return toNodeEvent(s.insertEvent.get(row.id, row.name, time, type, message, JSON.stringify(data))!);
  }

  /** Every node with its MACs in one pass (list() would otherwise query once per node). */
  function allRecords(): NodeRecord[] {
    const macs = new Map<number, string[]>();
    for (const { mac, node_id } of s.allMacs.all()) macs.set(node_id, [...(macs.get(node_id) ?? []), mac]);
    return s.allNodes.all().map((row) => toNodeRecord(row, macs.get(row.id) ?? []));
  }

  return { ...s, record, event, allRecords, toEvent: toNodeEvent };
}
