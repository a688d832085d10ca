// Boot-storm client, for the client namespace: N simulated UEFI nodes, all at once, each doing
// DORA (PXE firmware) -> TFTP the boot file -> DORA as iPXE -> HTTP script, kernel, initrd,
// answer file -> POST events -> POST register. DHCP goes through one relay socket (giaddr).
// Usage: storm.ts '{"server":"..","giaddr":"..","nodes":N,"macStart":M}'
// Prints {makespanS, ok, failures, p50S, p99S, firstError}.
import { createSocket, type Socket } from "node:dgram";
import { quantile } from "../_stats.js";

interface Args { server: string; giaddr: string; nodes: number; macStart: number }
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
async function exchange(packet: Buffer, xid: number, want: number): Promise<Buffer> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => { waiting.delete(xid); resolve(undefined); }, 2000 * 2 ** Math.min(attempt, 2));
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

// ---- TFTP, lock-step like iPXE (blksize 1432 is what iPXE asks for)
async function tftpGet(host: string, file: string): Promise<number> {
  const sock: Socket = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, r));
  try {
    return await new Promise<number>((resolve, reject) => {
      let got = 0;
      let expect = 1;
      let peerPort = 0;
      let blksize = 512;
      let last: Buffer = Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${file}\0octet\0blksize\x001432\0tsize\x000\0`)]);
      let lastTo = 69;
      let tries = 0;
      const send = () => sock.send(last, lastTo, host);
      const timer = setInterval(() => { if (++tries > 8) { clearInterval(timer); reject(new Error("TFTP timeout")); } else send(); }, 1000);
      const ack = (block: number) => { last = Buffer.from([0, 4, (block >> 8) & 255, block & 255]); lastTo = peerPort; tries = 0; send(); };
      sock.on("message", (msg, rinfo) => {
        const op = msg.readUInt16BE(0);
        if (peerPort === 0) peerPort = rinfo.port;
        if (op === 6) { blksize = Number(/blksize\0(\d+)/.exec(msg.toString("latin1"))?.[1] ?? 512); ack(0); return; }
        if (op === 5) { clearInterval(timer); reject(new Error(`TFTP error: ${msg.subarray(4).toString("latin1")}`)); return; }
        if (op !== 3) return;
        const block = msg.readUInt16BE(2);
        if (block === (expect & 0xffff)) { got += msg.length - 4; expect++; }
        ack(block);
        if (block === ((expect - 1) & 0xffff) && msg.length - 4 < blksize) { clearInterval(timer); resolve(got); }
      });
      send();
    });
  } finally {
    sock.close();
  }
}

// ---- HTTP
async function get(url: string): Promise<{ status: number; bytes: number; text?: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  if (/\.ipxe|\.cfg|ks\.cfg|preseed/.test(url)) {
    const text = await res.text();
    return { status: res.status, bytes: text.length, text };
  }
  let bytes = 0;
  for await (const chunk of res.body ?? []) bytes += (chunk as Uint8Array).length;
  return { status: res.status, bytes };
}
async function post(url: string, token: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(300_000) });
  await res.arrayBuffer();
  return res.status;
}
const facts = { hostname: "n", cpu: { model: "Bench CPU", count: 2, vmx: true }, memoryMiB: 4096, disks: [{ name: "vda", sizeGiB: 20 }],
  nics: [{ name: "ens3", mac: "52:54:00:00:00:01", up: true, master: "br0" }], kvm: { present: true, usable: true },
  libvirt: { version: "9.0.0", domains: 0 }, bridge: { name: "br0", exists: true, up: true, address: "10.80.0.50" } };

async function boot(n: number): Promise<void> {
  const mac = Buffer.from([0x52, 0x54, 0x01, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const fw = await dora(mac, false);
  if (!fw.file) throw new Error("no boot file for PXE firmware");
  const loader = await tftpGet(fw.next, fw.file);
  if (loader <= 0) throw new Error("empty boot file");
  const ipxe = await dora(mac, true);
  if (!/^https?:/.test(ipxe.file)) throw new Error(`iPXE got no script URL: ${ipxe.file}`);
  const script = await get(ipxe.file);
  if (script.status !== 200 || !script.text) throw new Error(`boot script: HTTP ${script.status}`);
  const kernel = /^kernel\s+(\S+)/m.exec(script.text)?.[1];
  const initrd = /^initrd\s+(?:--name\s+\S+\s+)?(\S+)/m.exec(script.text)?.[1];
  const answer = /(?:url|preseed\/url|inst\.ks)=(\S+)/.exec(script.text)?.[1];
  if (!kernel || !initrd || !answer) throw new Error("boot script lacks kernel, initrd or answer URL");
  for (const u of [kernel, initrd, answer]) {
    const r = await get(u);
    if (r.status !== 200 || r.bytes === 0) throw new Error(`GET ${u}: HTTP ${r.status}`);
  }
  const token = /\/install\/([^/]+)\//.exec(answer)?.[1] ?? "";
  const base = new URL(ipxe.file).origin;
  for (const type of ["install.started", "install.done"]) {
    const s = await post(`${base}/api/v1/events`, token, { type });
    if (s >= 300) throw new Error(`event ${type}: HTTP ${s}`);
  }
  const s = await post(`${base}/api/v1/register`, token, { facts: { ...facts, hostname: `n${n}` } });
  if (s !== 200) throw new Error(`register: HTTP ${s}`);
}

await new Promise<void>((r) => relay.bind(67, a.giaddr, r));
const t0 = performance.now();
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
console.log(JSON.stringify({ makespanS: (performance.now() - t0) / 1000, ok: times.length, failures, p50S: quantile(times, 0.5), p99S: quantile(times, 0.99), firstError }));
