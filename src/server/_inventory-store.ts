// The SQLite inventory seen through the boot path's BootStore seam.
import type { BootRecord, BootStore } from "../boot/index.js";
import type { MachineFacts } from "../boot/pxe.js";
import { InventoryError, type Inventory, type NodeRecord, type NodeState } from "../inventory/index.js";

const view = (node: NodeRecord): BootRecord => ({
  name: node.name,
  mac: node.macs[0] ?? "",
  state: node.state,
  ...(node.profile ? { profile: node.profile } : {}),
  ...(node.ip ? { ip: node.ip } : {}),
});

/** A BootStore over the inventory; illegal transitions are recorded by the inventory and ignored here. */
export function inventoryBootStore(inventory: Inventory, logger: { warn(obj: object, msg: string): void }): BootStore {
  const move = (id: number, state: NodeState, reason: string) => {
    try {
      inventory.transition(id, state, { reason });
    } catch (err) {
      if (!(err instanceof InventoryError)) throw err;
      logger.warn({ code: err.code, state }, err.message);
    }
  };
  return {
    byMac(mac) {
      const node = inventory.getByMac(mac);
      return node ? { ...view(node), mac } : undefined;
    },
    seen(facts: MachineFacts) {
      inventory.upsertSeen(facts);
    },
    async startInstall(record) {
      const node = inventory.ensureNode({ name: record.name, mac: record.mac, ...(record.ip ? { ip: record.ip } : {}), ...(record.profile ? { profile: record.profile } : {}) });
      move(node.id, "booting", "boot script served");
      inventory.appendEvent(node.id, { type: "boot.script", message: "iPXE script served" });
      const token = inventory.issueInstallToken(node.id);
      // The token goes into the script the machine boots with: only once it survives a crash.
      await inventory.durable();
      return token;
    },
    byToken(token) {
      const node = inventory.getByToken(token);
      return node ? view(node) : undefined;
    },
    async advance(name, state, event) {
      const node = inventory.getByName(name);
      // Already there (an installer fetching its answer file again): nothing to record, but what
      // was read must be on disk before it is served (a shared sync, not one per request).
      if (!node || node.state === state) return inventory.durable();
      inventory.appendEvent(node.id, { type: event, message: `${event} -> ${state}` });
      move(node.id, state, event);
      await inventory.durable();
    },
  };
}
