import { describe, expect, it } from "vitest";
import { udpDrops } from "./_udp-drops.js";

// Captured from a Linux 6.x /proc/net/udp (the header line, then one line per socket).
const PROC = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  105: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41221 2 0000000000000000 1734
  106: 0100500A:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41222 2 0000000000000000 12
  731: 00000000:0FAB 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41223 2 0000000000000000 5
 6452: 0100007F:4254 00000000:0000 07 00000000:00003400 00:00000000 00000000     0        0 686072 2 00000000d70f3cd7 999
`;

describe("udpDrops", () => {
  it.each([
    { ports: [67], want: 1746, why: "both sockets on 67 (0.0.0.0 and the server address)" },
    { ports: [67, 4011], want: 1751, why: "plus the proxyDHCP socket" },
    { ports: [4011], want: 5, why: "only 4011" },
    { ports: [68], want: 0, why: "no socket on that port" },
  ])("counts $want for $ports: $why", ({ ports, want }) => {
    expect(udpDrops(PROC, ports)).toBe(want);
  });

  it.each(["", "garbage\n", "  1: nothing here\n"])("is 0 for text that is not the table: %j", (text) => {
    expect(udpDrops(text, [67])).toBe(0);
  });
});
