// `maekin nodes`: reads and changes the inventory of a running master through its API.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import { InventoryError, readAdminToken, type NodeEvent, type NodeRecord } from "../inventory/index.js";
import { createCluster } from "../model/cluster.js";
import { str, UsageError, UserError, type Command } from "./_command.js";
import { DEFAULT_STATE_DIR } from "./serve.js";

/** A duration as "42s", "5m" or "3h". */
export const ago = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
};

const firmware = (n: NodeRecord) => (n.firmware ? `${n.firmware.mode}${n.firmware.ipxe ? "+ipxe" : ""}` : "-");

/** The node list as an aligned table. */
export function formatTable(nodes: readonly NodeRecord[], now: number): string[] {
  const rows = [["NAME", "STATE", "MAC", "IP", "PROFILE", "FIRMWARE", "SINCE", "NOTE"]];
  for (const n of nodes) {
    const checks = (n.facts as { checks?: Record<string, { ok: boolean; detail: string }> }).checks;
    const failing = checks ? Object.entries(checks).find(([, c]) => !c.ok) : undefined;
    const note = n.failure?.reason ?? (failing ? `${failing[0]}: ${failing[1].detail}` : "");
    rows.push([n.name, n.state, n.macs[0] ?? "-", n.ip ?? "-", n.profile ?? "-", firmware(n), ago(now - n.stateSince), note]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}

/** The nodes verb. */
export const nodesCommand: Command = {
  name: "nodes",
  summary: "list, show, reinstall or forget nodes of a running master",
  usage: `Usage: maekin nodes [list] [--json]
       maekin nodes show NAME [--json]
       maekin nodes reinstall NAME
       maekin nodes forget NAME

Talks to the running master: its URL comes from the config (-c) or --master, the admin
token from the state dir (admin.token, readable by root) or --token.

Options:
  -c, --config FILE     config file (default ./maekin.yaml)
      --state-dir DIR   where admin.token is (default ${DEFAULT_STATE_DIR})
      --master URL      the master's URL instead of the config's
      --token TOKEN     the admin token instead of the state dir's
      --json            print JSON
  -h, --help            show this help`,
  options: {
    config: { type: "string", short: "c" }, "state-dir": { type: "string" }, master: { type: "string" },
    token: { type: "string" }, json: { type: "boolean" },
  },
  positionals: true,
  async run(args, io) {
    const [action = "list", name, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}`, nodesCommand.usage);
    if (!["list", "show", "reinstall", "forget"].includes(action)) throw new UsageError(`unknown action "${action}"`, nodesCommand.usage);
    if (action !== "list" && !name) throw new UsageError(`${action} needs a node name`, nodesCommand.usage);
    const master = str(args, "master") ?? (await masterFromConfig(io.cwd, str(args, "config", "maekin.yaml")));
    let token = str(args, "token");
    if (!token) {
      try {
        token = await readAdminToken(resolve(io.cwd, str(args, "state-dir", DEFAULT_STATE_DIR)));
      } catch (err) {
        if (err instanceof InventoryError) throw new UserError(err.message, { code: err.code });
        throw err;
      }
    }
    const call = async (method: string, path: string) => {
      let res: Response;
      try {
        res = await fetch(`${master}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
      } catch (err) {
        throw new UserError(`cannot reach the master at ${master} (${(err as Error).message}); is \`maekin serve\` running?`, { code: "UNREACHABLE" });
      }
      const text = await res.text();
      if (!res.ok) throw new UserError(`${method} ${path}: ${res.status} ${text.trim()}`, { code: `HTTP_${res.status}` });
      return JSON.parse(text) as unknown;
    };
    const path = action === "list" ? "/nodes" : action === "show" ? `/nodes/${encodeURIComponent(name!)}` : action === "reinstall" ? `/nodes/${encodeURIComponent(name!)}/reinstall` : `/nodes/${encodeURIComponent(name!)}`;
    const method = action === "reinstall" ? "POST" : action === "forget" ? "DELETE" : "GET";
    const result = await call(method, path);
    if (args.values.json) {
      io.out(JSON.stringify(result, null, 2));
      return 0;
    }
    if (action === "list") for (const line of formatTable((result as { nodes: NodeRecord[] }).nodes, Date.now())) io.out(line);
    else if (action === "show") {
      const { node, events } = result as { node: NodeRecord; events: NodeEvent[] };
      for (const line of formatTable([node], Date.now())) io.out(line);
      io.out("");
      for (const e of events) io.out(`${new Date(e.time).toISOString()}  ${e.type.padEnd(18)} ${e.message}`);
    } else io.out(`${name}: ${action === "reinstall" ? "will install again at its next network boot" : "forgotten"}`);
    return 0;
  },
};

async function masterFromConfig(cwd: string, file: string): Promise<string> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`no ${file} to read the master's URL from; pass --master URL or -c FILE`, nodesCommand.usage);
  return createCluster(await loadConfig(path, file), { baseDir: dirname(path) }).masterUrl;
}
