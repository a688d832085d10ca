// Answer files as golden files, checked by the real tools: debconf-set-selections, sh -n,
// our kickstart checker; and the installer event snippets run against a real HTTP server.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.js";
import { createCluster, type Cluster } from "../model/cluster.js";
import { packageRoot } from "../model/paths.js";
import { checkKickstart, checkPreseed, kickstartScripts, preseedScripts } from "./_check.js";
import { createEngine, renderNodeFiles, type InstallTarget, type RenderedFile } from "./index.js";

const CONFIGS = {
  example: join(packageRoot, "..", "shared", "examples", "maekin.yaml"),
  variants: join(packageRoot, "src", "render", "testdata", "variants.yaml"),
};
const GOLDEN = join(packageRoot, "src", "render", "golden");
const engine = createEngine();

function cluster(path: string): Cluster {
  const { config, issues } = parseConfig(readFileSync(path, "utf8"), path);
  if (!config) throw new Error(`fixture invalid: ${issues.map((i) => i.message).join("; ")}`);
  return createCluster(config, { baseDir: dirname(path) });
}

/** Every machine of a fixture, plus (for variants) an enrolled one without a reserved address. */
function targets(name: keyof typeof CONFIGS): { cluster: Cluster; targets: InstallTarget[] } {
  const c = cluster(CONFIGS[name]);
  const list: InstallTarget[] = c.nodes.map((n) => ({ name: n.name, mac: n.mac, ip: n.ip, profile: n.profileRef }));
  if (name === "variants") list.push({ name: "node-aabbcc000009", mac: "aa:bb:cc:00:00:09", profile: c.profiles.get("deb-lvm-sized")! });
  return { cluster: c, targets: list };
}

const rendered = Object.keys(CONFIGS).flatMap((config) => {
  const { cluster: c, targets: list } = targets(config as keyof typeof CONFIGS);
  return list.flatMap((t) => renderNodeFiles(engine, c, t, { token: `token-of-${t.name}` }).map((file) => ({ config, node: t.name, file })));
});
const named = (n: string) => rendered.filter((r) => r.file.name === n);
const label = (r: { config: string; node: string; file: RenderedFile }) => `${r.config}/${r.node}/${r.file.name}`;

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = (cmd: string, pkg: string) => {
  if (have(cmd)) return undefined;
  if (process.env.CI) throw new Error(`CI must have ${cmd} (apt-get install ${pkg})`);
  return `${cmd} not installed (apt-get install ${pkg})`;
};

describe("golden files (UPDATE_GOLDEN=1 rewrites them)", () => {
  it.each(rendered.map((r) => [label(r), r] as const))("%s", (_, r) => {
    const path = join(GOLDEN, r.config, r.node, r.file.name);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, r.file.text);
    }
    expect(existsSync(path), `missing golden file ${path}: run UPDATE_GOLDEN=1 npx vitest run src/render`).toBe(true);
    expect(r.file.text).toBe(readFileSync(path, "utf8"));
  });
});

describe("nothing is left unrendered or unanswered", () => {
  it.each(rendered.map((r) => [label(r), r] as const))("%s has no template text left", (_, r) => {
    expect(r.file.text).not.toMatch(/\{\{|\}\}/);
  });

  it.each(named("ks.cfg").map((r) => [label(r), r] as const))("%s passes the kickstart checker", (_, r) => {
    expect(checkKickstart(r.file.text)).toEqual([]);
    expect(kickstartScripts(r.file.text).map((s) => s.where)).toEqual([expect.stringMatching(/^%pre/), expect.stringMatching(/^%post/)]);
  });

  it.each(named("preseed.cfg").map((r) => [label(r), r] as const))("%s passes our preseed checker", (_, r) => {
    expect(checkPreseed(r.file.text)).toEqual([]);
    const questions = r.file.text.split("\n").filter((l) => l.startsWith("d-i ")).map((l) => l.split(/\s+/)[1]);
    // The questions a netboot install stops at when they are not preseeded.
    for (const q of ["netcfg/get_hostname", "netcfg/get_domain", "mirror/http/hostname", "passwd/root-password-crypted",
      "passwd/make-user", "time/zone", "partman/confirm", "partman-auto/method", "grub-installer/only_debian",
      "finish-install/reboot_in_progress", "keyboard-configuration/xkb-keymap", "debian-installer/locale"]) {
      expect(questions).toContain(q);
    }
  });

  const noDebconf = missing("debconf-set-selections", "debconf");
  it.skipIf(noDebconf).each(named("preseed.cfg").map((r) => [label(r), r] as const))(`%s passes debconf-set-selections --checkonly${noDebconf ? ` (skipped: ${noDebconf})` : ""}`, (_, r) => {
    const dir = mkdtempSync(join(tmpdir(), "maekin-preseed-"));
    try {
      writeFileSync(join(dir, "preseed.cfg"), r.file.text);
      const result = spawnSync("debconf-set-selections", ["--checkonly", join(dir, "preseed.cfg")], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const scripts = rendered.flatMap((r) => {
  if (r.file.name === "preseed.cfg") return preseedScripts(r.file.text).map((s) => ({ where: `${label(r)} ${s.where}`, body: s.body }));
  if (r.file.name === "ks.cfg") return kickstartScripts(r.file.text).map((s) => ({ where: `${label(r)} ${s.where}`, body: s.body }));
  if (r.file.name === "late.sh") return [{ where: label(r), body: r.file.text }];
  return [];
});

describe("every shell snippet parses (sh -n)", () => {
  it("finds the snippets", () => expect(scripts.length).toBeGreaterThanOrEqual(15));
  it.each(scripts.map((s) => [s.where, s] as const))("%s", (_, s) => {
    const result = spawnSync("sh", ["-n"], { input: s.body, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("sh -n does catch a broken snippet", () => {
    expect(spawnSync("sh", ["-n"], { input: "if true; then echo", encoding: "utf8" }).status).not.toBe(0);
  });
});

describe("the kickstart checker", () => {
  it.each([
    ["an unclosed %pre", "text\n%pre\necho hi\n", /%pre is never closed/],
    ["a section inside a section", "%pre\n%post\n%end\n", /opens inside %pre/],
    ["an unknown command", "text\nfrobnicate --all\n", /unknown kickstart command frobnicate/],
    ["a command removed in RHEL 9", "install\nauth --useshadow\n", /install is removed/],
    ["template text", "rootpw --iscrypted {{profile.rootHash}}\n", /unrendered template text/],
    ["a stray %end", "text\n%end\n", /%end without an open section/],
  ])("finds %s", (_, text, problem) => {
    expect(checkKickstart(text).join("\n")).toMatch(problem);
  });
});

describe("the preseed checker", () => {
  it.each([
    ["a line without a type", "d-i netcfg/get_hostname\n", /expected "owner question type value"/],
    ["an unknown type", "d-i netcfg/get_hostname strnig node01\n", /unknown type strnig/],
    ["template text", "d-i netcfg/get_hostname string {{node.name}}\n", /unrendered/],
  ])("finds %s", (_, text, problem) => {
    expect(checkPreseed(text).join("\n")).toMatch(problem);
  });
});

describe("what the files say", () => {
  const file = (node: string, name: string) => rendered.find((r) => r.node === node && r.file.name === name)!.file.text;

  it("boot scripts name the initrd on the kernel line (UEFI iPXE needs it) and carry the token", () => {
    expect(file("node01", "boot.ipxe")).toMatch(/^kernel http:\/\/10\.77\.0\.1:8080\/assets\/debian-12\/linux initrd=initrd\.gz .*preseed\/url=http:\/\/10\.77\.0\.1:8080\/install\/token-of-node01\/preseed\.cfg/m);
    expect(file("node01", "boot.ipxe")).toMatch(/^initrd --name initrd\.gz http:\/\/10\.77\.0\.1:8080\/assets\/debian-12\/initrd\.gz/m);
    expect(file("node03", "boot.ipxe")).toMatch(/inst\.ks=http:\/\/10\.77\.0\.1:8080\/install\/token-of-node03\/ks\.cfg inst\.repo=http:\/\/10\.77\.0\.1:8080\/mirror\/rocky\/9\/BaseOS\/x86_64\/os/);
  });

  it("static bridge for reserved nodes, DHCP bridge for enrolled ones", () => {
    expect(file("node01", "late.sh")).toMatch(/iface br0 inet static\n {4}address 10\.77\.0\.11\/24\n {4}gateway 10\.77\.0\.1\n {4}bridge_ports \$nic/);
    expect(file("node-aabbcc000009", "late.sh")).toMatch(/iface br0 inet dhcp\n {4}bridge_ports \$nic/);
    expect(file("node03", "ks.cfg")).toMatch(/network --device=br0 --bridgeslaves=\$nic .*--bootproto=static --ip=10\.77\.0\.13 --netmask=255\.255\.255\.0 --gateway=10\.77\.0\.1 --nameserver=10\.77\.0\.1 --hostname=node03\.cloud\.test/);
  });

  it("disk layouts follow the profile", () => {
    expect(file("edge1", "preseed.cfg")).toMatch(/partman-auto\/disk string \/dev\/vda\n.*bootdev string \/dev\/vda\nd-i partman-auto\/method string regular/);
    expect(file("edge2", "late.sh")).toMatch(/lvcreate -y -L 200G -n vmstore vmvg/);
    expect(file("edge3", "ks.cfg")).toMatch(/disk='\/dev\/nvme0n1'/);
    expect(file("edge4", "ks.cfg")).toMatch(/--name=vmstore --fstype=xfs --size=2097152/);
  });

  it("mirror, proxy, packages and the agent", () => {
    expect(file("edge1", "preseed.cfg")).toMatch(/mirror\/http\/proxy string http:\/\/192\.168\.50\.2:3128/);
    expect(file("edge1", "preseed.cfg")).toMatch(/pkgsel\/include string openssh-server .*libvirt-daemon-system.* htop tmux/);
    expect(file("edge3", "ks.cfg")).toMatch(/^url --url=http:\/\/192\.168\.50\.2\/mirror\/alma\/9\/BaseOS\/x86_64\/os --proxy=http:\/\/192\.168\.50\.2:3128$/m);
    expect(file("node01", "late.sh")).toMatch(/MAEKIN_TOKEN=token-of-node01/);
    expect(file("node03", "ks.cfg")).toMatch(/^qemu-kvm$/m);
  });
});

describe("admins' own templates", () => {
  const dir = mkdtempSync(join(tmpdir(), "maekin-tpl-"));
  const base = readFileSync(CONFIGS.example, "utf8").replace(
    "  kvm-rocky9:\n",
    "    templates: { answer: mine/preseed.hbs }\n  kvm-rocky9:\n",
  );

  function renderWith(template: string): string {
    mkdirSync(join(dir, "mine"), { recursive: true });
    writeFileSync(join(dir, "mine", "preseed.hbs"), template);
    const { config, issues } = parseConfig(base, "custom.yaml");
    if (!config) throw new Error(issues.map((i) => i.message).join("; "));
    const c = createCluster(config, { baseDir: dir });
    const node = c.nodes[0]!;
    return renderNodeFiles(engine, c, { ...node, profile: node.profileRef }, { token: "t" })[0]!.text;
  }

  it("a profile's templates.answer replaces the stock preseed, relative to maekin.yaml", () => {
    expect(renderWith("d-i netcfg/get_hostname string {{node.name}}-custom\n")).toBe("d-i netcfg/get_hostname string node01-custom\n");
  });

  it("a variable that does not exist is an error naming the template (strict mode)", () => {
    expect(() => renderWith("d-i netcfg/get_hostname string {{node.nmae}}\n")).toThrow(/template .*mine\/preseed\.hbs: "nmae" not defined/);
  });

  it("`maekin init` ships the stock templates it copies", () => {
    const stock = ["debian-12.preseed.hbs", "debian-12.late.sh.hbs", "rhel-9.ks.hbs"];
    for (const name of stock) expect(existsSync(join(packageRoot, "kickstart", name))).toBe(true);
  });
});
