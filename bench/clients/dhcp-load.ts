// Closed-loop DORA generator acting as a relay agent (giaddr set, replies come back unicast to
// giaddr:67), for the client namespace. Keeps `inflight` clients busy, each with a fresh MAC;
// stops starting new ones after `seconds` and gives up on stragglers 2 s later.
// Usage: dhcp-load.ts '{"server":"..","giaddr":"..","seconds":10,"inflight":64,"macStart":0}'
// Prints one JSON line: {completed, failures, seconds, p50Ms, p99Ms, offerP99Ms, ackP99Ms} (the last
// two split a DORA into DISCOVER -> OFFER and REQUEST -> ACK, where a durable server waits for its disk).
import { createSocket } from "node:dgram";
import { quantile } from "../_stats.js";

interface Args { server: string; giaddr: string; seconds: number; inflight: number; macStart: number; port?: number }
const a = JSON.parse(process.argv[2] ?? "{}") as Args;
const COOKIE = 0x63825363;
const TIMEOUT_MS = 2000;

const ip4 = (s: string) => Buffer.from(s.split(".").map(Number));
const giaddr = ip4(a.giaddr);
// PXE UEFI x64 client: vendor class (60), client arch (93), parameter list (55).
const VENDOR = Buffer.from("PXEClient:Arch:00007:UNDI:003016");
const COMMON = Buffer.concat([
  Buffer.from([60, VENDOR.length]), VENDOR,
  Buffer.from([93, 2, 0, 7, 94, 3, 1, 3, 16, 55, 8, 1, 3, 6, 15, 66, 67, 60, 43, 57, 2, 0x05, 0xdc]),
]);

function packet(type: 1 | 3, xid: number, mac: Buffer, extra: Buffer): Buffer {
  const opts = Buffer.concat([Buffer.from([53, 1, type]), extra, COMMON, Buffer.from([255])]);
  const b = Buffer.alloc(240 + opts.length);
  b[0] = 1; b[1] = 1; b[2] = 6; b[3] = 1; // BOOTREQUEST, ethernet, hlen 6, hops 1 (relayed)
  b.writeUInt32BE(xid, 4);
  giaddr.copy(b, 24);
  mac.copy(b, 28);
  b.writeUInt32BE(COOKIE, 236);
  opts.copy(b, 240);
  return b;
}

function options(b: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (let i = 240; i < b.length;) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) { i++; continue; }
    const len = b[i + 1] ?? 0;
    m.set(code, b.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return m;
}

interface Client { mac: Buffer; xid: number; started: number; requested: number; timer: NodeJS.Timeout }
const clients = new Map<number, Client>();
const latencies: number[] = [];
const offerLatencies: number[] = [];
const ackLatencies: number[] = [];
let completed = 0;
let failures = 0;
let nextMac = a.macStart;
let nextXid = (a.macStart * 7919 + 1) >>> 0;
let stopping = false;
const sock = createSocket({ type: "udp4", reuseAddr: true });
const port = a.port ?? 67;

function start(): void {
  if (stopping) return;
  const n = nextMac++;
  const mac = Buffer.from([0x02, 0x42, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const xid = (nextXid = (nextXid + 1) >>> 0);
  const c: Client = { mac, xid, started: performance.now(), requested: 0, timer: setTimeout(() => fail(c), TIMEOUT_MS) };
  clients.set(xid, c);
  sock.send(packet(1, xid, mac, Buffer.alloc(0)), port, a.server);
}
function end(c: Client): void {
  clearTimeout(c.timer);
  clients.delete(c.xid);
  start();
  if (stopping && clients.size === 0) finish();
}
function fail(c: Client): void {
  failures++;
  end(c);
}

sock.on("message", (msg) => {
  if (msg.length < 240 || msg[0] !== 2) return;
  const c = clients.get(msg.readUInt32BE(4));
  if (!c) return;
  const o = options(msg);
  const type = o.get(53)?.[0];
  if (type === 2) {
    const sid = o.get(54) ?? Buffer.alloc(4);
    const extra = Buffer.concat([Buffer.from([50, 4]), msg.subarray(16, 20), Buffer.from([54, 4]), sid]);
    c.requested = performance.now();
    offerLatencies.push(c.requested - c.started);
    sock.send(packet(3, c.xid, c.mac, extra), port, a.server);
  } else if (type === 5) {
    completed++;
    const now = performance.now();
    latencies.push(now - c.started);
    ackLatencies.push(now - c.requested);
    end(c);
  } else if (type === 6) fail(c);
});

let t0 = 0;
let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const seconds = (performance.now() - t0) / 1000;
  failures += clients.size;
  for (const c of clients.values()) clearTimeout(c.timer);
  process.stdout.write(`${JSON.stringify({ completed, failures, seconds, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99),
    offerP99Ms: quantile(offerLatencies, 0.99), ackP99Ms: quantile(ackLatencies, 0.99) })}\n`);
  sock.close();
}

sock.bind(port, a.giaddr, () => {
  t0 = performance.now();
  for (let i = 0; i < a.inflight; i++) start();
  setTimeout(() => {
    stopping = true;
    // Rate counts only the run window: leases finishing in the drain still count, over the longer time.
    if (clients.size === 0) finish();
    setTimeout(finish, TIMEOUT_MS + 100).unref();
  }, a.seconds * 1000);
});
