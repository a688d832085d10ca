// Install tokens and agent keys of the store: issued as plaintext once, kept as SHA-256 only,
// checked in constant time. Nothing here logs a secret or puts one in the event log.
import type { Clock } from "./_types.js";
import { hashSecret, newSecret, secretMatches } from "./_tokens.js";
import type { NodeRow } from "./_rows.js";
import type { Statements } from "./_statements.js";
import type { NodeRecord } from "./_types.js";

/** What the secret operations need from the store. */
interface SecretsDeps {
  readonly q: Statements;
  readonly clock: Clock;
  /** The node row or a not-found InventoryError. */
  readonly row: (nodeId: number) => NodeRow;
  readonly record: (row: NodeRow) => NodeRecord;
}

/** The token and key methods of the Inventory over the store's statements. */
export function createSecrets({ q, clock, row, record }: SecretsDeps) {
  return {
    /** Rotates the node's install token: the boot script handler calls this each time it serves an install. */
    issueInstallToken(nodeId: number): string {
      row(nodeId);
      const token = newSecret();
      q.setInstallHash.run(hashSecret(token), clock.now(), nodeId);
      return token;
    },
    verifyInstallToken(nodeId: number, token: string): boolean {
      const r = q.nodeById.get(nodeId);
      return r !== undefined && secretMatches(token, r.install_token_hash);
    },
    revokeInstallToken(nodeId: number): NodeRecord {
      const r = row(nodeId);
      if (r.install_token_hash !== null) {
        q.setInstallHash.run(null, clock.now(), nodeId);
        q.event(r, clock.now(), "install-token-revoked", "install token revoked");
      }
      return record(row(nodeId));
    },
    getByToken(token: string): NodeRecord | undefined {
      const r = q.nodeByInstallHash.get(hashSecret(token));
      return r && record(r);
    },
    /** Rotates the node's agent key (registration); the old key stops working at once. */
    issueAgentKey(nodeId: number): string {
      const r = row(nodeId);
      const key = newSecret();
      q.setAgentHash.run(hashSecret(key), clock.now(), nodeId);
      q.event(r, clock.now(), "agent-key-issued", "agent key issued");
      return key;
    },
    verifyAgentKey(nodeId: number, key: string): boolean {
      const r = q.nodeById.get(nodeId);
      return r !== undefined && secretMatches(key, r.agent_key_hash);
    },
    getByAgentKey(key: string): NodeRecord | undefined {
      const r = q.nodeByAgentHash.get(hashSecret(key));
      return r && record(r);
    },
    setCertificateSerial(nodeId: number, serial: string): NodeRecord {
      const r = row(nodeId);
      q.setCertSerial.run(serial, clock.now(), nodeId);
      q.event(r, clock.now(), "certificate", `certificate ${serial} issued`, { serial });
      return record(row(nodeId));
    },
  };
}
