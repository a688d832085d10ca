// The node inventory: SQLite store, lifecycle state machine, events, tokens, admin token.
export { ADMIN_TOKEN_FILE, adminTokenPath, ensureAdminToken, readAdminToken } from "./_admin-token.js";
export { InventoryError } from "./_errors.js";
export type { InventoryErrorCode } from "./_errors.js";
export { discoveredName, firmwareFromFacts } from "./_firmware.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./_migrations.js";
export { bootDecision, checkTransition, isInstalled, isNodeState, needsInstall, NODE_STATES } from "./_states.js";
export type { BootDecision, NodeState, TransitionCheck, TransitionFlags } from "./_states.js";
export { createInventory } from "./_store.js";
export type {
  Clock, DeclaredNode, EventInput, Firmware, Inventory, InventoryOptions, Logger, NodeEvent, NodeRecord, NodeSource, RegisterInput,
  TransitionOptions, TransitionResult,
} from "./_types.js";
