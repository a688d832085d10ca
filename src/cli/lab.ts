// `maekin lab up|down|status`: a virtual lab of QEMU nodes that PXE-boot from a master running
// in a network namespace, on one machine.
import { dirname, join, resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import { InventoryError } from "../inventory/index.js";
import { downLab, LabError, LabPlanError, labStatus, parseLabFirmware, parseNodeCount, planLab, upLab, type LabStatus } from "../lab/index.js";
import { createCluster } from "../model/cluster.js";
import { parseCidr } from "../model/ipv4.js";
import { packageRoot } from "../model/paths.js";
import { str, UsageError, UserError, type Command, type Io, type ParsedArgs } from "./_command.js";
import { ago } from "./nodes.js";

/** Where the lab lives without --dir: root's /var/lib, else the current directory. */
const defaultDir = (io: Io) => (process.getuid?.() === 0 ? "/var/lib/maekin-lab" : join(io.cwd, "maekin-lab"));

/** The lab verb. */
export const labCommand: Command = {
  name: "lab",
  summary: "a virtual lab: QEMU nodes that PXE-boot from a master in a network namespace",
  usage: `Usage: maekin lab up [--nodes N] [--firmware bios|uefi|mixed] [--dir D] [-c FILE] [--name NS]
       maekin lab status [--dir D] [--json]
       maekin lab down [--dir D] [--name NS] [--purge]

up      makes network namespace NS with bridge br-prov (10.77.0.1/24) and one tap per node,
        writes D/maekin.yaml (nodes node01..NN, MACs 52:54:00:00:00:NN, IPs 10.77.0.(10+N),
        profile debian-12, unknown machines only discovered) unless -c is given, creates D/nodeNN.qcow2 (20G), starts \`maekin serve\`
        in the namespace (log D/master.log, state D/state) and boots the nodes from the network
        (KVM when /dev/kvm works, else TCG; serial console in D/nodeNN.serial.log). Before
        booting, it runs \`maekin mirror sync\` into D/state when the config's Debian mirror is
        the master's own and no complete mirror is there yet. It returns
        once everything is started; the installs go on. Needs root, qemu-system-x86, qemu-utils
        (and ovmf for UEFI nodes).
status  each node's inventory state and time in it, whether its QEMU runs, the master's URL
down    stops the nodes and the master, deletes the taps, the bridge and the namespace; safe to
        repeat. Disks, logs and the inventory stay unless --purge.

Options:
      --nodes N         how many nodes (default 1, at most 89)
      --firmware FW     bios, uefi, or mixed (odd nodes bios, even uefi); default bios
      --dir D           the lab's files (default /var/lib/maekin-lab as root, else ./maekin-lab)
  -c, --config FILE     use this config instead of writing one (its master.interface is the bridge)
      --name NS         the namespace's name (default maekin-lab)
      --memory MIB      memory per node (default 1024)
      --accel A         auto (default: KVM when a test guest runs under it), kvm or tcg
      --no-mirror       up: do not check or build the master's Debian mirror (installs then stop at the mirror step)
      --json            status as JSON
      --purge           down: also delete disks, logs, the state dir and the lab's config
  -h, --help            show this help`,
  options: {
    nodes: { type: "string" }, firmware: { type: "string" }, dir: { type: "string" }, config: { type: "string", short: "c" },
    name: { type: "string" }, accel: { type: "string" }, memory: { type: "string" }, json: { type: "boolean" }, purge: { type: "boolean" },
    "no-mirror": { type: "boolean" },
  },
  positionals: true,
  async run(args, io) {
    const [action, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}`, labCommand.usage);
    const dir = resolve(io.cwd, str(args, "dir") ?? defaultDir(io));
    try {
      if (action === "up") return await up(args, io, dir);
      if (action === "down") {
        await downLab({ dir, ...(str(args, "name") ? { namespace: str(args, "name")! } : {}), purge: Boolean(args.values.purge), report: io.out });
        return 0;
      }
      if (action === "status") {
        const status = await labStatus(dir);
        if (args.values.json) io.out(JSON.stringify(status, null, 2));
        else for (const line of formatStatus(status, Date.now())) io.out(line);
        return 0;
      }
    } catch (err) {
      if (err instanceof LabPlanError) throw new UsageError(err.message, labCommand.usage);
      if (err instanceof InventoryError) throw new UserError(`${err.message} (lab status reads the inventory in the lab's state dir: run it as root)`, { code: err.code, cause: err });
      if (err instanceof LabError || err instanceof Error && /lab state file|is not JSON/.test(err.message)) {
        throw new UserError(err.message, { code: (err as LabError).code ?? "LAB_STATE", cause: err });
      }
      throw err;
    }
    throw new UsageError(`say up, down or status${action ? `, not "${action}"` : ""}`, labCommand.usage);
  },
};

async function up(args: ParsedArgs, io: Io, dir: string): Promise<number> {
  const file = str(args, "config");
  const memory = str(args, "memory");
  if (memory !== undefined && !/^\d+$/.test(memory)) throw new UsageError(`--memory takes MiB, not "${memory}"`, labCommand.usage);
  const accel = str(args, "accel", "auto");
  if (accel !== "auto" && accel !== "kvm" && accel !== "tcg") throw new UsageError(`--accel must be auto, kvm or tcg, not "${accel}"`, labCommand.usage);
  let network;
  let config: string | undefined;
  let domain: string | undefined;
  if (file) {
    config = resolve(io.cwd, file);
    const cluster = createCluster(await loadConfig(config, file), { baseDir: dirname(config) });
    const prefix = parseCidr(cluster.config.network.subnet)?.prefix ?? 24;
    network = { bridge: cluster.config.master.interface, masterCidr: `${cluster.masterAddress}/${prefix}`, masterUrl: cluster.masterUrl };
    domain = cluster.domain;
  }
  const plan = planLab({
    dir, nodes: parseNodeCount(str(args, "nodes", "1")), firmware: parseLabFirmware(str(args, "firmware", "bios")),
    ...(str(args, "name") ? { name: str(args, "name")! } : {}), ...(config ? { config } : {}), ...(network ? { network } : {}),
  });
  await upLab({
    plan, writeConfig: !config, maekin: [process.execPath, join(packageRoot, "bin", "maekin.js")], report: io.out,
    accel, ...(memory ? { memoryMiB: Number(memory) } : {}), ...(domain ? { domain } : {}), mirror: !args.values["no-mirror"],
  });
  return 0;
}

/** `lab status` as lines: the master, then a table of nodes. */
export function formatStatus(status: LabStatus, now: number): string[] {
  if (!status.up || !status.master) return [`no lab is up in ${status.dir}`];
  const m = status.master;
  const lines = [
    `lab ${status.namespace}${status.namespaceExists ? "" : " (namespace missing!)"}: master ${m.url} ${m.running ? `running (pid ${m.pid})` : "NOT running"}, log ${m.log}`,
  ];
  const rows = [["NODE", "MAC", "IP", "FIRMWARE", "STATE", "SINCE", "QEMU", "NOTE"]];
  for (const n of status.nodes) {
    rows.push([
      n.name, n.mac, n.ip, `${n.firmware}${n.accel ? `/${n.accel}` : ""}`, n.state, n.stateSince ? ago(now - n.stateSince) : "-",
      n.qemu.running ? `running (pid ${n.qemu.pid})` : "stopped", n.failure ?? "",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
  const timelines = status.nodes.filter((n) => n.timeline.length > 0).map((n) => `${n.name}: ${formatTimeline(n.timeline, n.poweredOnAt)}`);
  const joined = status.nodes.find((n) => n.state === "registered" || n.state === "ready");
  const hints = joined ? [`libvirt of ${joined.name}: ${m.virsh.replace("NODE", joined.name)}`] : [];
  return [...lines, ...table, ...timelines, ...hints];
}

/** "booting +0:12, installing +1:45, ..." : each state with its time since power-on (m:ss). */
export function formatTimeline(timeline: LabStatus["nodes"][number]["timeline"], poweredOnAt?: number): string {
  const since = (at: number) => {
    if (poweredOnAt === undefined) return new Date(at).toISOString().slice(11, 19);
    const s = Math.max(0, Math.round((at - poweredOnAt) / 1000));
    return `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  return timeline.map((t) => `${t.state} ${since(t.at)}`).join(", ");
}
