// InventoryError: every refusal of the inventory, with a code for HTTP/CLI mapping and a fix.

/** Codes of InventoryError; the HTTP layer maps them to statuses in one place. */
export type InventoryErrorCode =
  | "illegal-transition"
  | "not-found"
  | "conflict"
  | "invalid-argument"
  | "schema-too-new"
  | "open-failed"
  | "admin-token";

/** A refused inventory operation; the message names the node and says how to fix it. */
export class InventoryError extends Error {
  override readonly name = "InventoryError";
  constructor(readonly code: InventoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
