// The peer stack's registration endpoint: the least a node server must do (read the JSON body,
// answer), behind nginx. Usage: register.ts PORT. Prints "ready".
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 8081);
let n = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (req.method !== "POST") { res.writeHead(405).end(); return; }
    try { JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"); } catch { res.writeHead(400).end(); return; }
    if (req.url === "/api/v1/events") { res.writeHead(204).end(); return; }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: `node${++n}`, agentKey: "k" }));
  });
});
server.listen(port, "127.0.0.1", () => console.log("ready"));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
