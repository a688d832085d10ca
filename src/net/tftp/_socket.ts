// UDP sockets of the server: binding, and a transfer's own socket connected to its client.
// Shared by the main thread and the transfer workers (see _workers.ts).
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";

/** The socket type for a local address. */
export const familyOf = (address: string): "udp4" | "udp6" => (isIPv6(address) ? "udp6" : "udp4");

/** Binds `socket`; rejects with the bind error (EADDRINUSE, EACCES) instead of emitting it. */
export async function bindSocket(socket: Socket, port: number, address: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

/**
 * A fresh socket on `address`, connected to the client: its port is the transfer's TID, and the
 * kernel drops datagrams from anyone else. `track` sees the socket before it can fail, so a
 * server closing down can close it.
 */
export async function openTransferSocket(address: string, client: { address: string; port: number }, track: (s: Socket) => void = () => undefined): Promise<Socket> {
  const socket = createSocket({ type: familyOf(address) });
  track(socket);
  try {
    await bindSocket(socket, 0, address);
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(client.port, client.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
