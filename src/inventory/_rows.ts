// SQLite rows to inventory records. The only place that knows column names on the way out.
import type { NodeState } from "./_states.js";
import type { Firmware, NodeEvent, NodeRecord, NodeSource } from "./_types.js";

/** A row of the nodes table. */
export interface NodeRow {
  id: number;
  name: string;
  ip: string | null;
  profile: string | null;
  source: NodeSource;
  state: NodeState;
  state_since: number;
  created_at: number;
  updated_at: number;
  facts: string;
  firmware: string | null;
  last_heartbeat: number | null;
  install_token_hash: string | null;
  agent_key_hash: string | null;
  cert_serial: string | null;
  failure_reason: string | null;
  failing_check: string | null;
}

/** A row of the events table. */
export interface EventRow {
  id: number;
  node_id: number;
  node_name: string;
  time: number;
  type: string;
  message: string;
  data: string;
}

/** The public record of a node row and its MACs; secrets become has* flags. */
export function toNodeRecord(row: NodeRow, macs: readonly string[]): NodeRecord {
  return {
    id: row.id,
    name: row.name,
    macs: [...macs].sort(),
    ...(row.ip !== null && { ip: row.ip }),
    ...(row.profile !== null && { profile: row.profile }),
    source: row.source,
    state: row.state,
    stateSince: row.state_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    ...(row.firmware !== null && { firmware: JSON.parse(row.firmware) as Firmware }),
    ...(row.last_heartbeat !== null && { lastHeartbeat: row.last_heartbeat }),
    ...(row.cert_serial !== null && { certSerial: row.cert_serial }),
    ...(row.failure_reason !== null && {
      failure: { reason: row.failure_reason, ...(row.failing_check !== null && { check: row.failing_check }) },
    }),
    hasInstallToken: row.install_token_hash !== null,
    hasAgentKey: row.agent_key_hash !== null,
  };
}

/** The public record of an event row. */
export function toNodeEvent(row: EventRow): NodeEvent {
  return {
    id: row.id,
    nodeId: row.node_id,
    node: row.node_name,
    time: row.time,
    type: row.type,
    message: row.message,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
