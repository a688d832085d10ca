// The boot decision's view of the inventory: just what it must read and record. The SQLite
// inventory implements it for `maekin serve` (src/server/_inventory-store.ts); MemoryBootStore
// is the named fake for tests.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { MachineFacts } from "./pxe.js";

import type { NodeState } from "../inventory/index.js";

/** What the boot path knows of a machine. */
export interface BootRecord {
  readonly name: string;
  readonly mac: string;
  readonly state: NodeState;
  /** Profile name: the config's for known nodes, enroll.profile for enrolled ones. */
  readonly profile?: string;
  /** Reserved or leased address, when known. */
  readonly ip?: string;
}

/** The inventory seam of the boot path. */
export interface BootStore {
  /** The record of a MAC, if any. */
  byMac(mac: string): BootRecord | undefined;
  /** Records a DHCP sighting (firmware facts); creates a `discovered` record for a new MAC. */
  seen(facts: MachineFacts, name: string): void;
  /** Starts an install: a fresh install token (returned in plain text once, when durable), state `booting`. */
  startInstall(record: Omit<BootRecord, "state">): Promise<string>;
  /** The record a valid install token belongs to, else undefined (constant-time compare). */
  byToken(token: string): BootRecord | undefined;
  /** Moves a node to a state and logs an event, resolving once durable; illegal moves are ignored by the store. */
  advance(name: string, state: NodeState, event: string): Promise<void>;
}

const hash = (token: string) => createHash("sha256").update(token).digest();

/** An in-memory BootStore: tokens hashed as in the real one, no persistence. */
export class MemoryBootStore implements BootStore {
  readonly records = new Map<string, BootRecord & { tokenHash?: Buffer }>();
  readonly events: { name: string; state: NodeState; event: string }[] = [];

  byMac(mac: string): BootRecord | undefined {
    return [...this.records.values()].find((r) => r.mac === mac);
  }

  seen(facts: MachineFacts, name: string): void {
    if (!this.byMac(facts.mac)) this.records.set(name, { name, mac: facts.mac, state: "discovered" });
  }

  async startInstall(record: Omit<BootRecord, "state">): Promise<string> {
    const token = `mk${randomBytes(24).toString("base64url")}`;
    this.records.set(record.name, { ...record, state: "booting", tokenHash: hash(token) });
    this.events.push({ name: record.name, state: "booting", event: "boot.script" });
    return token;
  }

  byToken(token: string): BootRecord | undefined {
    const wanted = hash(token);
    return [...this.records.values()].find((r) => r.tokenHash && timingSafeEqual(r.tokenHash, wanted));
  }

  async advance(name: string, state: NodeState, event: string): Promise<void> {
    const record = this.records.get(name);
    if (record) this.records.set(name, { ...record, state });
    this.events.push({ name, state, event });
  }
}
