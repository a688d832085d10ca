// `maekin agent`: the node side; registers with the master, then heartbeats.
import { str, UsageError, type Command } from "./_command.js";
import { runAgent } from "../agent/index.js";

/** The agent verb. */
export const agentCommand: Command = {
  name: "agent",
  summary: "node side: register with the master, then heartbeat",
  usage: `Usage: maekin agent --master URL --token TOKEN [--bridge br0] [--root DIR] [--interval SEC] [--once]

Registers this node with the master (the install token is traded for an agent key, the
cluster CA and a node certificate for libvirt TLS), enables libvirt's TLS listener, then
sends facts and readiness checks (KVM, libvirt, bridge) every interval. Runs until SIGTERM.
MAEKIN_MASTER, MAEKIN_TOKEN and MAEKIN_BRIDGE in the environment stand in for the flags.

Options:
      --master URL     the master, e.g. http://10.77.0.1:8080
      --token TOKEN    this node's install token (from /etc/maekin/agent.env)
      --bridge NAME    the bridge whose address is checked (default br0)
      --root DIR       write every file under DIR instead of / (tests)
      --interval SEC   seconds between heartbeats (default 15)
      --once           register and send one heartbeat, then exit
  -h, --help           show this help`,
  options: {
    master: { type: "string" }, token: { type: "string" }, bridge: { type: "string" },
    root: { type: "string" }, interval: { type: "string" }, once: { type: "boolean" },
  },
  async run(args) {
    const master = str(args, "master") ?? process.env.MAEKIN_MASTER;
    const token = str(args, "token") ?? process.env.MAEKIN_TOKEN;
    if (!master || !token) throw new UsageError("--master and --token are required", agentCommand.usage);
    const interval = Number(str(args, "interval", "15"));
    if (!(interval > 0)) throw new UsageError("--interval takes a number of seconds", agentCommand.usage);
    const controller = new AbortController();
    process.once("SIGTERM", () => controller.abort());
    process.once("SIGINT", () => controller.abort());
    await runAgent({
      master, token, root: str(args, "root", "/"), bridge: str(args, "bridge") ?? process.env.MAEKIN_BRIDGE ?? "br0",
      intervalMs: interval * 1000, signal: controller.signal, ...(args.values.once ? { heartbeats: 1 } : {}),
    });
    return 0;
  },
};
