// Datagrams the kernel dropped on the DHCP sockets because their receive buffer was full (a boot
// storm outrunning the event loop): the per-socket "drops" column of /proc/net/udp. node cannot
// ask a socket for SO_RXQ_OVFL, and /proc/net/snmp's UdpRcvbufErrors counts every socket.

/** Sums the drops column of /proc/net/udp (text) over the sockets bound to one of `ports`. */
export function udpDrops(text: string, ports: readonly number[]): number {
  let total = 0;
  for (const line of text.split("\n")) {
    //   sl  local_address rem_address   st ... inode ref pointer drops
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const colon = local?.indexOf(":") ?? -1;
    if (f.length < 13 || colon < 0 || !/^\d+:$/.test(f[0] ?? "")) continue;
    if (!ports.includes(Number.parseInt(local!.slice(colon + 1), 16))) continue;
    const drops = Number(f[f.length - 1]);
    if (Number.isFinite(drops)) total += drops;
  }
  return total;
}
