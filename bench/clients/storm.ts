// Boot-storm client, for the client namespace: N simulated UEFI nodes, all at once, each doing
// DORA (PXE firmware) -> TFTP the boot file as UEFI firmware does (_firmware-tftp.ts) -> DORA as
// iPXE -> HTTP script, kernel, initrd, answer file -> POST events -> POST register. DHCP goes
// through one relay socket (giaddr).
// Usage: storm.ts '{"server":"..","giaddr":"..","nodes":N,"macStart":M,"windowsize":4}'
// Prints {makespanS, ok, failures, p50S, p99S, phases, clientCpuS, firstError}: `phases` are the
// per-node median seconds of each step, to show what dominates; clientCpuS shows whether this
// client (one process, the same work against either stack) could be the bottleneck.
import { createSocket } from "node:dgram";
import { Agent, request } from "node:http";
import { quantile } from "../_stats.js";
import { firmwareTftpGet } from "./_firmware-tftp.js";

interface Args { server: string; giaddr: string; nodes: number; macStart: number; windowsize?: number }
const a = JSON.parse(process.argv[2] ?? "{}") as Args;
const ip4 = (s: string) => Buffer.from(s.split(".").map(Number));
const VENDOR = Buffer.from("PXEClient:Arch:00007:UNDI:003016");
const DEADLINE_MS = 600_000;

// ---- DHCP through one relay socket
const relay = createSocket({ type: "udp4", reuseAddr: true });
const waiting = new Map<number, (msg: Buffer) => void>();
relay.on("message", (msg) => { if (msg.length >= 240 && msg[0] === 2) waiting.get(msg.readUInt32BE(4))?.(msg); });

function dhcpPacket(type: number, xid: number, mac: Buffer, ipxe: boolean, extra: Buffer[]): Buffer {
  const opts = Buffer.concat([Buffer.from([53, 1, type]), ...extra, Buffer.from([60, VENDOR.length]), VENDOR, Buffer.from([93, 2, 0, 7]),
    ...(ipxe ? [Buffer.from([77, 4]), Buffer.from("iPXE")] : []), Buffer.from([55, 6, 1, 3, 6, 66, 67, 60, 255])]);
  const b = Buffer.alloc(240 + opts.length);
  b[0] = 1; b[1] = 1; b[2] = 6; b[3] = 1;
  b.writeUInt32BE(xid, 4);
  ip4(a.giaddr).copy(b, 24);
  mac.copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  opts.copy(b, 240);
  return b;
}
function optionsOf(b: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (let i = 240; i < b.length && b[i] !== 255;) {
    if (b[i] === 0) { i++; continue; }
    m.set(b[i]!, b.subarray(i + 2, i + 2 + (b[i + 1] ?? 0)));
    i += 2 + (b[i + 1] ?? 0);
  }
  return m;
}
// Retransmission as PXE firmware does it (PXE 2.1 spec: 4, 8, 16, 32 s), each randomized by
// -1..+1 s as RFC 2131 §4.1 asks: without the jitter every dropped node of a storm retried in
// the same millisecond and was dropped again.
const RETRY_S = [4, 8, 16, 32];
async function exchange(packet: Buffer, xid: number, want: number): Promise<Buffer> {
  for (const wait of RETRY_S) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => { waiting.delete(xid); resolve(undefined); }, (wait + Math.random() * 2 - 1) * 1000);
      waiting.set(xid, (msg) => { if (optionsOf(msg).get(53)?.[0] === want || optionsOf(msg).get(53)?.[0] === 6) { clearTimeout(timer); waiting.delete(xid); resolve(msg); } });
      relay.send(packet, 67, a.server);
    });
    if (reply) return reply;
  }
  throw new Error(`no DHCP ${want === 2 ? "OFFER" : "ACK"}`);
}
let xidSeq = (a.macStart * 2654435761) >>> 0;
async function dora(mac: Buffer, ipxe: boolean): Promise<{ ip: string; file: string; next: string }> {
  const xid = (xidSeq = (xidSeq + 1) >>> 0);
  const offer = await exchange(dhcpPacket(1, xid, mac, ipxe, []), xid, 2);
  if (optionsOf(offer).get(53)?.[0] !== 2) throw new Error("DHCP NAK on DISCOVER");
  const sid = optionsOf(offer).get(54) ?? Buffer.alloc(4);
  const ack = await exchange(dhcpPacket(3, xid, mac, ipxe, [Buffer.from([50, 4]), offer.subarray(16, 20), Buffer.from([54, 4]), sid]), xid, 5);
  const o = optionsOf(ack);
  if (o.get(53)?.[0] !== 5) throw new Error("DHCP NAK");
  const fileField = ack.subarray(108, 236);
  const file = o.get(67)?.toString("latin1").replace(/\0.*$/s, "") || fileField.toString("latin1").replace(/\0.*$/s, "");
  const next = o.get(66)?.toString("latin1").replace(/\0.*$/s, "") || [...ack.subarray(20, 24)].join(".");
  return { ip: [...ack.subarray(16, 20)].join("."), file, next };
}

// ---- HTTP over node:http: one keep-alive agent, no connection limit (fetch's web streams cost
// this client several times more CPU per byte, and the client must not be the bottleneck).
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
function call(url: string, method: "GET" | "POST", headers: Record<string, string> = {}, body?: string): Promise<{ status: number; bytes: number; text?: string }> {
  const keepText = method === "POST" || /\.ipxe|\.cfg|preseed/.test(url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers, timeout: 300_000 }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => { bytes += c.length; if (keepText) chunks.push(c); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ...(keepText ? { text: Buffer.concat(chunks).toString("utf8") } : {}) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.on("error", reject);
    req.end(body);
  });
}
const get = (url: string) => call(url, "GET");
async function post(url: string, token: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const r = await call(url, "POST", { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), authorization: `Bearer ${token}` }, text);
  return r.status;
}
const facts = { hostname: "n", cpu: { model: "Bench CPU", count: 2, vmx: true }, memoryMiB: 4096, disks: [{ name: "vda", sizeGiB: 20 }],
  nics: [{ name: "ens3", mac: "52:54:00:00:00:01", up: true, master: "br0" }], kvm: { present: true, usable: true },
  libvirt: { version: "9.0.0", domains: 0 }, bridge: { name: "br0", exists: true, up: true, address: "10.80.0.50" } };

const PHASES = ["dhcp", "tftp", "dhcpIpxe", "script", "assets", "answer", "events", "register"] as const;
const phaseTimes = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<(typeof PHASES)[number], number[]>;

async function boot(n: number): Promise<void> {
  const mac = Buffer.from([0x52, 0x54, 0x01, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  let mark = performance.now();
  const lap = (phase: (typeof PHASES)[number]) => { const now = performance.now(); phaseTimes[phase].push((now - mark) / 1000); mark = now; };
  const fw = await dora(mac, false);
  if (!fw.file) throw new Error("no boot file for PXE firmware");
  lap("dhcp");
  const loader = (await firmwareTftpGet(fw.next, fw.file, { windowsize: a.windowsize ?? 4 })).bytes;
  if (loader <= 0) throw new Error("empty boot file");
  lap("tftp");
  const ipxe = await dora(mac, true);
  lap("dhcpIpxe");
  if (!/^https?:/.test(ipxe.file)) throw new Error(`iPXE got no script URL: ${ipxe.file}`);
  const script = await get(ipxe.file);
  if (script.status !== 200 || !script.text) throw new Error(`boot script: HTTP ${script.status}`);
  const kernel = /^kernel\s+(\S+)/m.exec(script.text)?.[1];
  const initrd = /^initrd\s+(?:--name\s+\S+\s+)?(\S+)/m.exec(script.text)?.[1];
  const answer = /(?:url|preseed\/url|inst\.ks)=(\S+)/.exec(script.text)?.[1];
  if (!kernel || !initrd || !answer) throw new Error("boot script lacks kernel, initrd or answer URL");
  lap("script");
  for (const u of [kernel, initrd, answer]) {
    const r = await get(u);
    if (r.status !== 200 || r.bytes === 0) throw new Error(`GET ${u}: HTTP ${r.status}`);
    if (u !== kernel) lap(u === answer ? "answer" : "assets");
  }
  const token = /\/install\/([^/]+)\//.exec(answer)?.[1] ?? "";
  const base = new URL(ipxe.file).origin;
  for (const type of ["install.started", "install.done"]) {
    const s = await post(`${base}/api/v1/events`, token, { type });
    if (s >= 300) throw new Error(`event ${type}: HTTP ${s}`);
  }
  lap("events");
  const s = await post(`${base}/api/v1/register`, token, { facts: { ...facts, hostname: `n${n}` } });
  if (s !== 200) throw new Error(`register: HTTP ${s}`);
  lap("register");
}

await new Promise<void>((r) => relay.bind(67, a.giaddr, r));
// 1000 nodes answer through this one socket: with the default buffer (~200 KB) a burst of
// OFFERs overflowed it and both stacks "failed" nodes that the client itself had dropped.
relay.setRecvBufferSize(4 * 1024 * 1024);
relay.setSendBufferSize(4 * 1024 * 1024);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const times: number[] = [];
let failures = 0;
let firstError: string | undefined;
const guard = setTimeout(() => { console.log(JSON.stringify({ makespanS: Number.NaN, ok: times.length, failures: a.nodes - times.length, firstError: "deadline" })); process.exit(0); }, DEADLINE_MS);
await Promise.all(Array.from({ length: a.nodes }, async (_, i) => {
  const s = performance.now();
  try {
    await boot(a.macStart + i);
    times.push((performance.now() - s) / 1000);
  } catch (err) {
    failures++;
    firstError ??= (err as Error).message;
  }
}));
clearTimeout(guard);
relay.close();
agent.destroy();
const cpu = process.cpuUsage(cpu0);
const phases = Object.fromEntries(PHASES.map((p) => [p, quantile(phaseTimes[p], 0.5)]));
console.log(JSON.stringify({ makespanS: (performance.now() - t0) / 1000, ok: times.length, failures, p50S: quantile(times, 0.5), p99S: quantile(times, 0.99),
  phases, clientCpuS: (cpu.user + cpu.system) / 1e6, firstError }));
