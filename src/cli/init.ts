// `maekin init`: writes a commented maekin.yaml (and the stock install profiles) to start from.
import { access, copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { packageRoot } from "../model/paths.js";
import { str, UserError, type Command } from "./_command.js";

/** The init verb. */
export const initCommand: Command = {
  name: "init",
  summary: "write a commented maekin.yaml and the stock install profiles",
  usage: `Usage: maekin init [--dir DIR] [--force]

Writes DIR/maekin.yaml, a commented config for one master, two Debian nodes and one
Rocky node that validates as written, its JSON schema for editors, and DIR/profiles/
with the stock install templates (preseed, late.sh, kickstart) to edit; a profile uses
an edited copy through its templates.answer / templates.late keys.

Options:
  --dir DIR    where to write (default: the current directory)
  --force      overwrite an existing maekin.yaml
  -h, --help   show this help`,
  options: { dir: { type: "string" }, force: { type: "boolean" } },
  async run(args, io) {
    const dir = resolve(io.cwd, str(args, "dir", "."));
    const target = join(dir, "maekin.yaml");
    if (!args.values.force && (await exists(target)))
      throw new UserError(`${target} exists already; edit it, or pass --force to overwrite it`, { code: "EXISTS" });
    await mkdir(dir, { recursive: true });
    await writeFile(target, await readFile(join(packageRoot, "kickstart", "maekin.yaml"), "utf8"));
    await copyFile(join(packageRoot, "schema", "maekin.schema.json"), join(dir, "maekin.schema.json"));
    const stock = join(packageRoot, "kickstart");
    const profiles = (await readdir(stock)).filter((name) => name.endsWith(".hbs"));
    if (profiles.length > 0) await mkdir(join(dir, "profiles"), { recursive: true });
    for (const name of profiles) {
      const to = join(dir, "profiles", name);
      if (args.values.force || !(await exists(to))) await copyFile(join(stock, name), to);
    }
    io.out(`wrote ${target}${profiles.length ? ` and ${profiles.length} stock profiles in ${join(dir, "profiles")}` : ""}`);
    io.out(`next: edit it, then run \`maekin validate -c ${target}\``);
    return 0;
  },
};

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
