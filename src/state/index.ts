// The state dir: atomic, durable file writes shared by the inventory, the CA and the services.
export { ensurePrivateDir, syncDir, writeFileAtomic } from "./atomic.js";
