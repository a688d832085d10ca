// Boot assets: import from Debian's packages and from a Rocky ISO or folder; doctor names gaps.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { AssetImportError, importFromPackages, importRhel } from "../src/assets/index.js";
import { loopbackConfigText } from "./fixtures/loopback.js";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const dir = mkdtempSync(join(tmpdir(), "maekin-assets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function maekin(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 30_000, ...(env ? { env } : {}) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("maekin assets", () => {
  it("imports the iPXE builds and the Debian installer from Debian's packages, byte for byte", async () => {
    const state = join(dir, "pkg");
    const names = await importFromPackages(state);
    expect(names).toEqual(expect.arrayContaining(["undionly.kpxe", "ipxe.efi", "snponly.efi", "debian-12/linux", "debian-12/initrd.gz"]));
    expect(readFileSync(join(state, "assets", "ipxe.efi"))).toEqual(readFileSync("/usr/lib/ipxe/ipxe.efi"));
  });

  it("imports a Rocky kernel and initrd from an ISO (xorriso) and from a folder", async () => {
    const tree = join(dir, "rocky-tree");
    mkdirSync(join(tree, "images", "pxeboot"), { recursive: true });
    writeFileSync(join(tree, "images", "pxeboot", "vmlinuz"), "rocky kernel");
    writeFileSync(join(tree, "images", "pxeboot", "initrd.img"), "rocky initrd");
    const iso = join(dir, "rocky.iso");
    await run("xorriso", ["-as", "mkisofs", "-quiet", "-R", "-o", iso, tree]);
    const state = join(dir, "iso-state");
    expect(await importRhel(state, "rocky-9", iso)).toEqual(["rocky-9/vmlinuz", "rocky-9/initrd.img"]);
    expect(readFileSync(join(state, "assets", "rocky-9", "initrd.img"), "utf8")).toBe("rocky initrd");
    const fromDir = join(dir, "dir-state");
    await importRhel(fromDir, "alma-9", join(tree, "images", "pxeboot"));
    expect(readFileSync(join(fromDir, "assets", "alma-9", "vmlinuz"), "utf8")).toBe("rocky kernel");
  });

  it("refuses what is not an installer, with a reason", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    await expect(importRhel(join(dir, "x"), "rocky-9", empty)).rejects.toThrow(/has no images\/pxeboot\/vmlinuz and initrd\.img/);
    const junk = join(dir, "junk.iso");
    writeFileSync(junk, "not an iso");
    await expect(importRhel(join(dir, "x"), "rocky-9", junk)).rejects.toBeInstanceOf(AssetImportError);
    const cli = await maekin(["assets", "import", "--os", "rocky-9", "--from", junk, "--state-dir", join(dir, "x")]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/not a readable rocky-9 installer ISO/);
  });
});

describe("maekin doctor", () => {
  it("on a machine without the tools and assets, names each and the apt-get line", async () => {
    const config = join(dir, "doctor.yaml");
    writeFileSync(config, loopbackConfigText({ http: 23000 + (process.pid % 10000), tftp: 33000 + (process.pid % 10000) }));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync("/bin/sh", join(bin, "sh"));
    const { code, stdout } = await maekin(["doctor", "-c", config, "--state-dir", join(dir, "doctor-state")], { PATH: bin });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ok {2}network: lo has 127\.0\.0\.1$/m);
    expect(stdout).toMatch(/^FAIL {2}xorriso: missing \(needed by maekin iso build\)$/m);
    expect(stdout).toMatch(/^FAIL {2}asset rocky-9\/vmlinuz: missing {2}\(fix: maekin assets import --os rocky-9/m);
    expect(stdout).toMatch(/^ok {2}asset debian-12\/initrd\.gz: \/usr\/lib\/debian-installer/m);
    expect(stdout.trim().split("\n").pop()).toBe("fix: apt-get install xorriso qemu-system-x86");
  });
});
