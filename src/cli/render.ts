// `maekin render`: writes each node's answer file, late script, iPXE script and GRUB config.
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import { createCluster, nodeByName, type Cluster, type Node } from "../model/cluster.js";
import { checkKickstart, checkPreseed } from "../render/_check.js";
import { createEngine, renderNodeFiles, type RenderedFile } from "../render/index.js";
import { str, UsageError, UserError, type Command } from "./_command.js";

/** The render verb. */
export const renderCommand: Command = {
  name: "render",
  summary: "write each node's answer file, iPXE script and GRUB config",
  usage: `Usage: maekin render [-c FILE] [--node NAME]... -o DIR
       maekin render [-c FILE] --node NAME --stdout

Writes DIR/<node>/ with the answer file (preseed.cfg and late.sh for Debian, ks.cfg for
Rocky/Alma), boot.ipxe and grub.cfg, for every node or the ones named. Each file is checked
as the installer would read it. The install token in the files is a fresh random one: a
running master (\`maekin serve\`) issues its own from the inventory, so these files are for
review and diffing.

Options:
  -c, --config FILE   config file (default ./maekin.yaml)
      --node NAME     only this node (repeatable)
  -o, --out DIR       output folder
      --stdout        print the one node's answer file instead of writing files
      --token TOKEN   use this install token instead of a random one
  -h, --help          show this help`,
  options: {
    config: { type: "string", short: "c" },
    node: { type: "string", multiple: true },
    out: { type: "string", short: "o" },
    stdout: { type: "boolean" },
    token: { type: "string" },
  },
  async run(args, io) {
    const file = str(args, "config", "maekin.yaml");
    const path = resolve(io.cwd, file);
    const cluster = createCluster(await loadConfig(path, file), { baseDir: dirname(path) });
    const nodes = pickNodes(cluster, (args.values.node as string[] | undefined) ?? []);
    const out = str(args, "out");
    if (args.values.stdout) {
      if (nodes.length !== 1) throw new UsageError("--stdout prints one node's answer file: name it with --node", renderCommand.usage);
    } else if (!out) {
      throw new UsageError("name the output folder with -o DIR (or print one node with --node N --stdout)", renderCommand.usage);
    }
    const engine = createEngine();
    for (const node of nodes) {
      const token = str(args, "token") ?? `mk${randomBytes(24).toString("base64url")}`;
      const files = renderNodeFiles(engine, cluster, { ...node, profile: node.profileRef }, { token });
      assertClean(node, files);
      if (args.values.stdout) {
        io.out(files[0]!.text.replace(/\n$/, ""));
        return 0;
      }
      const dir = join(resolve(io.cwd, out!), node.name);
      await mkdir(dir, { recursive: true });
      for (const f of files) await writeFile(join(dir, f.name), f.text, { mode: 0o600 });
      io.out(`${node.name}: ${files.map((f) => f.name).join(", ")}`);
    }
    return 0;
  },
};

function pickNodes(cluster: Cluster, names: string[]): Node[] {
  if (names.length === 0) return [...cluster.nodes];
  return names.map((name) => {
    const node = nodeByName(cluster, name);
    if (!node) throw new UserError(`no node named "${name}"; known nodes: ${cluster.nodes.map((n) => n.name).join(", ")}`, { code: "UNKNOWN_NODE" });
    return node;
  });
}

function assertClean(node: Node, files: RenderedFile[]): void {
  const problems = files.flatMap((f) => {
    const found = f.name === "ks.cfg" ? checkKickstart(f.text) : f.name === "preseed.cfg" ? checkPreseed(f.text) : [];
    return found.map((p) => `${node.name}/${f.name}: ${p}`);
  });
  if (problems.length > 0) throw new UserError(`rendered files would not install:\n${problems.join("\n")}`, { code: "RENDER_INVALID" });
}
