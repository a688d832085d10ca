// The built executable, as a user runs it: exit codes, help, init + validate, error output.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const EXAMPLE = join(import.meta.dirname, "..", "..", "shared", "examples", "maekin.yaml");

async function maekin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [BIN, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("bin/maekin.js (needs `npm run build`; npm test builds first)", () => {
  let dir = "";
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "maekin-cli-")); });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints its version", async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };
    expect(await maekin("--version")).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each(["init", "validate", "render"])("%s --help shows its usage and exits 0", async (verb) => {
    const { code, stdout } = await maekin(verb, "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: maekin ${verb}`));
  });

  it("exits 2 on usage errors: no verb, unknown verb, unknown flag", async () => {
    expect((await maekin()).code).toBe(2);
    expect(await maekin("frobnicate")).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
    expect(await maekin("validate", "--bogus")).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--bogus'/) });
  });

  it("init writes a config that validate accepts", async () => {
    const out = join(dir, "fresh");
    expect((await maekin("init", "--dir", out)).code).toBe(0);
    const result = await maekin("validate", "-c", join(out, "maekin.yaml"));
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/valid \(3 nodes, 2 profiles\)/) });
    expect(await maekin("init", "--dir", out)).toMatchObject({ code: 1, stderr: expect.stringMatching(/exists already.*--force/) });
  });

  it("validates the shared example", async () => {
    expect((await maekin("validate", "-c", EXAMPLE)).code).toBe(0);
  });

  it("reports three independent mistakes with positions and exits 1, without a stack trace", async () => {
    const text = (await readFile(EXAMPLE, "utf8"))
      .replace("  gateway: 10.77.0.1", "  gatway: 10.77.0.1")
      .replace("os: rocky-9", "os: alma-8")
      .replace("ip: 10.77.0.13", "ip: 10.77.0.11");
    const file = join(dir, "three.yaml");
    await writeFile(file, text);
    const { code, stderr } = await maekin("validate", "-c", file);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/three\.yaml:15:3: network\.gatway: unknown key/);
    expect(lines[1]).toMatch(/three\.yaml:37:9: profiles\.kvm-rocky9\.os: "alma-8" is not allowed/);
    expect(lines[2]).toMatch(/three\.yaml:49:51: nodes\[2\]\.ip: ip 10\.77\.0\.11 is already used by nodes\[0\]/);
    expect(lines[3]).toMatch(/3 problems/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("names a missing config file and shows a stack trace only with --debug", async () => {
    const missing = join(dir, "nope.yaml");
    const plain = await maekin("validate", "-c", missing);
    expect(plain).toMatchObject({ code: 1, stderr: expect.stringMatching(/nope\.yaml.*no such file.*maekin init/) });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const init = await maekin("init", "--dir", join(dir, "fresh"), "--debug");
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/\n\s+at /);
  });

  it("--json prints machine-readable results", async () => {
    const { stdout } = await maekin("validate", "-c", EXAMPLE, "--json");
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, nodes: 3, profiles: 2 });
  });

  it("render writes a preseed for node01/node02 and a kickstart for node03", async () => {
    const out = join(dir, "rendered");
    const { code, stdout } = await maekin("render", "-c", EXAMPLE, "-o", out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/node01: preseed\.cfg, late\.sh, boot\.ipxe, grub\.cfg/);
    expect(stdout).toMatch(/node03: ks\.cfg, boot\.ipxe, grub\.cfg/);
    expect(await readFile(join(out, "node02", "preseed.cfg"), "utf8")).toMatch(/^d-i netcfg\/get_hostname string node02$/m);
    expect(await readFile(join(out, "node03", "ks.cfg"), "utf8")).toMatch(/^%packages/m);
  });

  it("render --stdout prints one answer file; an unknown node exits 1 and lists the known ones", async () => {
    const one = await maekin("render", "-c", EXAMPLE, "--node", "node03", "--stdout", "--token", "t0k");
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/inst\.ks|^text$/m);
    expect(one.stdout).toMatch(/Bearer t0k/);
    const unknown = await maekin("render", "-c", EXAMPLE, "--node", "node09", "-o", join(dir, "x"));
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/no node named "node09"; known nodes: node01, node02, node03/) });
    expect((await maekin("render", "-c", EXAMPLE)).code).toBe(2);
  });
});
