// Bench server: maekin's DHCP server alone (authoritative, durable lease file, PXE policy), silent.
// Usage: dhcp.ts '{"serverAddress":..,"subnet":..,"pool":{start,end},"leaseFile":..}'
import { decideBootFile } from "../../src/boot/pxe.js";
import { createDhcpServer } from "../../src/net/dhcp/index.js";

const c = JSON.parse(process.argv[2] ?? "{}") as { serverAddress: string; subnet: string; pool: { start: string; end: string }; leaseFile: string };
const quiet = () => undefined;
const server = createDhcpServer({
  mode: "authoritative", serverAddress: c.serverAddress, subnet: c.subnet, pool: c.pool, leaseFile: c.leaseFile,
  gateway: c.serverAddress, dns: [c.serverAddress], leaseTimeSec: 3600,
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet }, clock: Date,
  policy: {
    lookup: () => ({ allow: true }),
    boot: (f) => decideBootFile(f, { tftpServer: c.serverAddress, httpBase: `http://${c.serverAddress}:8080` }),
  },
});
await server.start();
console.log("ready");
// The counters on the way out (journal writes vs records = the group-commit batch size).
process.once("SIGTERM", () => void server.close().then(() => { console.log(JSON.stringify(server.stats())); process.exit(0); }));
