// Bench server: maekin's TFTP server alone, in its namespace (`node --import tsx`).
// Usage: tftp.ts ROOT ADDRESS PORT [WORKERS]. WORKERS > 0 runs cached transfers on worker threads. blksize is capped at the RFC maximum, like the peers, so that
// a client asking for 8192 gets 8192 from every server.
import { createTftpServer, fileTreeHandler, MAX_BLKSIZE } from "../../src/net/tftp/index.js";

const [root, address = "0.0.0.0", port = "69", workers = "0"] = process.argv.slice(2);
if (!root) throw new Error("usage: tftp.ts ROOT ADDRESS PORT [WORKERS]");
const server = createTftpServer({ address, port: Number(port), handler: fileTreeHandler(root), maxBlksize: MAX_BLKSIZE, maxTransfers: 512, workers: Number(workers) });
await server.listen();
console.log("ready");
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
