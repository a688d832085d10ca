// kill -9 of the DHCP server mid-load loses no lease it ACKed (DESIGN.md, "Rules"): the server runs
// as its own process (test/fixtures/dhcp-serve.ts), this test is the relay agent and the judge of
// what was ACKed. A small compaction threshold makes compactions run (and get killed) during the load.
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaddrOf, decodePacket, encodePacket, getOption, MessageType, Opt, option, readLeases, type DhcpPacket } from "../src/net/dhcp/index.js";

const SERVE = new URL("./fixtures/dhcp-serve.ts", import.meta.url).pathname;
const LO = "127.0.0.1";
let dir: string;
let relay: Socket;
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "maekin-dhcp-durable-"));
  relay = createSocket("udp4");
  await new Promise<void>((r) => relay.bind(0, LO, () => r()));
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  relay.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the server process on loopback; resolves with its port once it says "ready". */
function serve(leaseFile: string): Promise<{ child: ChildProcess; port: number }> {
  const config = {
    mode: "authoritative", serverAddress: LO, bindAddress: LO, subnet: "127.0.0.0/8", port: 0, relayPort: relay.address().port,
    pool: { start: "127.1.0.0", end: "127.1.255.255" }, leaseTimeSec: 3600, leaseFile, leaseCompactAfter: 150,
    reservations: [], httpBase: "http://127.0.0.1:8080",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SERVE, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^ready (.*)$/m.exec(out);
      if (m) { out = ""; resolve({ child, port: (JSON.parse(m[1]!) as { port: number }).port }); }
      if (out.length > 1e6) out = out.slice(-1000); // info logs: keep only the tail
    });
    child.once("exit", (code) => reject(new Error(`dhcp server exited (${code}) before it was ready: ${err}`)));
  });
}

const mac = (i: number) => `02:7e:00:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
function request(type: number, xid: number, m: string, options: ReturnType<typeof option>[] = []): Buffer {
  const p: DhcpPacket = {
    op: 1, htype: 1, hlen: 6, hops: 1, xid, secs: 0, flags: 0, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0",
    giaddr: LO, chaddr: chaddrOf(m), sname: "", file: "", options: [option(Opt.MESSAGE_TYPE, type), ...options],
  };
  return encodePacket(p);
}

/**
 * Keeps `inflight` DORAs going with fresh MACs and SIGKILLs the server once `killAfter` ACKs came
 * back, without waiting for the ones in flight. Returns mac -> address of every ACK received.
 */
function loadThenKill(child: ChildProcess, port: number, inflight: number, killAfter: number): Promise<Map<string, string>> {
  const acked = new Map<string, string>();
  const byXid = new Map<number, string>();
  let next = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`only ${acked.size} ACKs in 30 s`)); }, 30_000);
    const start = () => {
      const m = mac(next);
      const xid = 0x1000 + next++;
      byXid.set(xid, m);
      relay.send(request(MessageType.DISCOVER, xid, m), port, LO);
    };
    const onMessage = (msg: Buffer) => {
      const r = decodePacket(msg);
      if (!r.ok) return;
      const m = byXid.get(r.packet.xid);
      if (!m) return;
      const type = getOption(r.packet.options, Opt.MESSAGE_TYPE);
      if (type === MessageType.OFFER) {
        relay.send(request(MessageType.REQUEST, r.packet.xid, m, [option(Opt.SERVER_ID, LO), option(Opt.REQUESTED_IP, r.packet.yiaddr)]), port, LO);
      } else if (type === MessageType.ACK) {
        acked.set(m, r.packet.yiaddr);
        byXid.delete(r.packet.xid);
        if (acked.size >= killAfter && child.exitCode === null && !child.killed) child.kill("SIGKILL"); // requests still in flight
        else start();
      }
    };
    relay.on("message", onMessage);
    child.once("exit", (_code, signal) => {
      clearTimeout(timer);
      relay.off("message", onMessage);
      if (signal !== "SIGKILL") return reject(new Error(`server exited by itself (${signal})`));
      resolve(acked);
    });
    for (let i = 0; i < inflight; i++) start();
  });
}

/** DISCOVER from an ACKed MAC after the restart: the offer must be its old address. */
async function offered(port: number, m: string, xid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { relay.off("message", on); resolve(undefined); }, 2000);
    function on(msg: Buffer) {
      const r = decodePacket(msg);
      if (r.ok && r.packet.xid === xid) { clearTimeout(timer); relay.off("message", on); resolve(r.packet.yiaddr); }
    }
    relay.on("message", on);
    relay.send(request(MessageType.DISCOVER, xid, m), port, LO);
  });
}

describe("DHCP lease durability", () => {
  it.each([1, 2, 3])("round %i: every ACKed lease survives kill -9 of the server mid-load and a restart", async (round) => {
    const leaseFile = join(dir, `round${round}`, "leases.json");
    const first = await serve(leaseFile);
    const acked = await loadThenKill(first.child, first.port, 32, 300 * round);
    expect(acked.size).toBeGreaterThanOrEqual(300 * round);

    // On disk, read only: the snapshot plus journals hold every ACKed lease.
    const onDisk = new Map((await readLeases(leaseFile, Date.now())).leases.map((l) => [l.mac, l.ip]));
    const lost = [...acked].filter(([m, ip]) => onDisk.get(m) !== ip);
    expect(lost, `${lost.length} ACKed leases missing after kill -9`).toEqual([]);
    // Only requests in flight at the kill may have leases beyond the ACKs.
    expect(onDisk.size - acked.size).toBeLessThanOrEqual(32);

    // Restarted, the server recovers them: each ACKed MAC is offered its address again.
    const second = await serve(leaseFile);
    let xid = 0x7000000;
    for (const [m, ip] of acked) expect(await offered(second.port, m, xid++), m).toBe(ip);
    second.child.kill("SIGKILL");
  }, 60_000);
});
