// A UDP syslog receiver for installer logs (d-i `log_host=`, Anaconda `inst.syslog=`): each
// line goes to `onMessage` with the sender's address; malformed datagrams are counted, dropped.
import { createSocket, type Socket } from "node:dgram";
import { parseSyslog, type SyslogMessage } from "./_parse.js";

/** A running syslog receiver. */
export interface SyslogServer {
  listen(): Promise<{ port: number }>;
  close(): Promise<void>;
  stats(): { received: number; malformed: number };
}

/** Creates the receiver; `onMessage` must not throw. */
export function createSyslogServer(options: { address?: string; port: number; onMessage: (from: string, message: SyslogMessage) => void }): SyslogServer {
  const counts = { received: 0, malformed: 0 };
  let socket: Socket | undefined;
  return {
    async listen() {
      const s = createSocket("udp4");
      socket = s;
      s.on("message", (data, rinfo) => {
        const message = parseSyslog(data);
        if (!message) { counts.malformed++; return; }
        counts.received++;
        options.onMessage(rinfo.address, message);
      });
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(options.port, options.address ?? "0.0.0.0", () => { s.off("error", reject); resolve(); });
      });
      return { port: s.address().port };
    },
    close: () => new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve())),
    stats: () => ({ ...counts }),
  };
}
