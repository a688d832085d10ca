// The server's sockets as the kernel sees them: the receive buffer it asked for, and the drops
// counted when a burst outruns the event loop. Linux only (/proc); elsewhere these skip.
import { createSocket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { MessageType, Opt } from "./_constants.js";
import { option } from "./_options.js";
import { chaddrOf, encodePacket } from "./_packet.js";
import { createDhcpServer, RECV_BUFFER_BYTES } from "./_server.js";
import type { DhcpServer } from "./_types.js";

const LO = "127.0.0.1";
const linux = existsSync("/proc/net/udp") && existsSync("/proc/sys/net/core/rmem_max");
const why = "needs Linux /proc/net/udp and /proc/sys/net/core/rmem_max";

const running: DhcpServer[] = [];
afterEach(async () => { for (const s of running.splice(0)) await s.close(); });

async function start(): Promise<{ server: DhcpServer; port: number; logged: Record<string, unknown>[] }> {
  const logged: Record<string, unknown>[] = [];
  const quiet = () => undefined;
  const server = createDhcpServer({
    mode: "authoritative", serverAddress: LO, bindAddress: LO, subnet: "127.0.0.0/8", pool: { start: "127.0.0.10", end: "127.0.0.200" },
    port: 0, clientPort: 9, relayPort: 9, broadcastAddress: LO, clock: Date,
    logger: { debug: quiet, warn: quiet, error: quiet, info: (msg, fields) => { if (msg.includes("receive buffer")) logged.push(fields ?? {}); } },
    policy: { lookup: () => ({ allow: true }), boot: () => undefined },
  });
  const { port } = await server.start();
  running.push(server);
  return { server, port: port ?? 0, logged };
}

describe.skipIf(!linux)(`DHCP server sockets (${linux ? "Linux" : `skipped: ${why}`})`, () => {
  it("asks for a large receive buffer and logs what the kernel granted", async () => {
    const { port, logged } = await start();
    const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
    // Linux caps SO_RCVBUF at rmem_max and reports double what it set.
    expect(logged).toEqual([{ port, requested: RECV_BUFFER_BYTES, granted: 2 * Math.min(RECV_BUFFER_BYTES, rmemMax) }]);
  });

  it("counts the datagrams the kernel dropped on its socket as drop.rcvbuf", async () => {
    const { server, port } = await start();
    expect(server.stats()["drop.rcvbuf"]).toBe(0);
    const flood = createSocket("udp4");
    await new Promise<void>((r) => flood.bind(0, LO, () => r()));
    const wire = encodePacket({
      op: 1, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0",
      chaddr: chaddrOf("52:54:00:00:00:01"), sname: "", file: "", options: [option(Opt.MESSAGE_TYPE, MessageType.INFORM)],
    });
    // Every send runs before the loop polls the server's socket again: more than its buffer holds.
    const n = Math.ceil((2 * Math.min(RECV_BUFFER_BYTES, Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8")))) / 512) + 2000;
    let sent = 0;
    await new Promise<void>((resolve) => { for (let i = 0; i < n; i++) flood.send(wire, port, LO, () => { if (++sent === n) resolve(); }); });
    await new Promise<void>((r) => flood.close(() => r()));
    expect(server.stats()["drop.rcvbuf"]).toBeGreaterThan(0);
  });
});
