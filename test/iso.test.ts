// `maekin iso build` end to end: a small netinst-like source made from the installer's netboot
// files, remastered by the built CLI; the result's El Torito catalog, the preseed segment of its
// initrd, its menus and payload; then QEMU boots it with SeaBIOS and with OVMF, as a CD and as
// a USB stick, and the installer must start unattended with our preseed (its early_command
// prints the marker on the serial console).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogArgv, decodeCpio, parseCatalog, PRESEED_MARKER } from "../src/iso/index.js";
import { buildSourceIso, isoSourceUnavailable } from "./harness/iso-source.js";
import { bootUntil, qemuIsoUnavailable } from "./harness/qemu-iso.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "maekin.js");
const EXAMPLE = join(ROOT, "..", "shared", "examples", "maekin.yaml");
const ARTIFACTS = join(ROOT, "test", "artifacts", "iso");
const BOOT_BUDGET_MS = 5 * 60_000;

async function maekin(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 300_000, maxBuffer: 16 * 1024 * 1024, ...(env ? { env } : {}) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Copies one file out of an ISO. */
async function isoFile(iso: string, path: string, to: string): Promise<Buffer> {
  await run("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", path, to]);
  return readFileSync(to);
}

// Decided before the suite runs, so skipped tests say why; in CI nothing may skip.
const unavailable = await isoSourceUnavailable();
if (unavailable && process.env.CI) throw new Error(`the ISO tests cannot run in CI: ${unavailable}`);

describe.skipIf(unavailable)(`maekin iso build${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  // Made in beforeAll, so a run that filters these tests out leaves no folder behind.
  let dir = "";
  let source = "";
  let out = "";
  let build = { code: -1, stdout: "", stderr: "", seconds: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "maekin-iso-"));
    source = join(dir, "debian-12-test-netinst.iso");
    out = join(dir, "maekin-master.iso");
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildSourceIso(join(dir, "source"), source);
    const started = Date.now();
    build = { ...(await maekin(["iso", "build", "--source", source, "-c", EXAMPLE, "-o", out, "--work-dir", dir])), seconds: (Date.now() - started) / 1000 };
    writeFileSync(join(ARTIFACTS, "build.log"), `${build.stdout}\n${build.stderr}\n${build.seconds} s\n`);
  }, 600_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it("builds, prints plain progress lines off a TTY, and the sha256 (also in OUT.iso.sha256)", () => {
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/^extracting debian-12-test-netinst\.iso \.\.\.$/m);
    expect(build.stdout).toMatch(/^ {2}100% written$/m);
    expect(build.stdout).not.toContain("\r");
    const sha = readFileSync(`${out}.sha256`, "utf8");
    expect(sha).toMatch(/^[0-9a-f]{64} {2}maekin-master\.iso\n$/);
    expect(build.stdout).toContain(`sha256 ${sha.slice(0, 64)}`);
  });

  it("has a BIOS and a UEFI El Torito entry, and an MBR for USB sticks", async () => {
    const { stdout } = await run("xorriso", catalogArgv(out));
    expect(parseCatalog(stdout).map((e) => [e.platform, e.path])).toEqual([["BIOS", "/isolinux/isolinux.bin"], ["UEFI", "/boot/grub/efi.img"]]);
    const mbr = Buffer.alloc(512);
    const fd = (await import("node:fs")).openSync(out, "r");
    (await import("node:fs")).readSync(fd, mbr, 0, 512, 0);
    (await import("node:fs")).closeSync(fd);
    expect(mbr.readUInt16LE(510)).toBe(0xaa55);
  });

  it("keeps the source's initrd and appends a gzip cpio segment with the preseed to the automated entry's copy", async () => {
    const original = await isoFile(out, "/install.amd/initrd.gz", join(dir, "initrd.orig"));
    // Buffer.equals, not toEqual: a 40 MB diff would exhaust the test worker's memory.
    expect(original.equals(await isoFile(source, "/install.amd/initrd.gz", join(dir, "initrd.src")))).toBe(true);
    const ours = await isoFile(out, "/install.amd/maekin/initrd.gz", join(dir, "initrd.maekin"));
    expect(ours.subarray(0, original.length).equals(original)).toBe(true);
    const segment = gunzipSync(ours.subarray(original.length));
    const entries = decodeCpio(segment);
    expect(entries.map((e) => e.name)).toEqual(["preseed.cfg", "maekin-master-late.sh"]);
    const preseed = entries[0]!.data.toString("utf8");
    expect(preseed).toContain(`echo ${PRESEED_MARKER} > /dev/ttyS0`);
    expect(preseed).toContain("d-i netcfg/get_ipaddress string 10.77.0.1");
    // GNU cpio reads the same segment.
    writeFileSync(join(dir, "segment.cpio"), segment);
    const { stdout } = await run("cpio", ["-t", "-F", join(dir, "segment.cpio")]);
    expect(stdout.trim().split("\n")).toEqual(["preseed.cfg", "maekin-master-late.sh"]);
  });

  it("makes Automated install the default in isolinux and GRUB, keeping the original entries", async () => {
    const grub = (await isoFile(out, "/boot/grub/grub.cfg", join(dir, "grub.cfg"))).toString("utf8");
    expect(grub).toMatch(/set timeout=5\nset default=maekin-auto\nmenuentry 'Automated install \(maekin master\)' --id maekin-auto/);
    expect(grub).toContain("initrd   /install.amd/maekin/initrd.gz");
    expect(grub).toMatch(/menuentry 'Install' \{\n.*\n\s+linux\s+\/install\.amd\/vmlinuz vga=788 --- quiet\n\s+initrd\s+\/install\.amd\/initrd\.gz/);
    const isolinux = (await isoFile(out, "/isolinux/isolinux.cfg", join(dir, "isolinux.cfg"))).toString("utf8");
    expect(isolinux).toMatch(/include maekin\.cfg\ninclude menu\.cfg/);
    expect(isolinux).toMatch(/^timeout 50$/m);
    const entry = (await isoFile(out, "/isolinux/maekin.cfg", join(dir, "maekin.cfg"))).toString("utf8");
    expect(entry).toContain("append initrd=/install.amd/maekin/initrd.gz auto=true priority=critical console=tty0 console=ttyS0,115200n8");
    expect((await isoFile(out, "/isolinux/txt.cfg", join(dir, "txt.cfg"))).toString("utf8")).toContain("label install");
  });

  it("carries the payload: maekin built, Node.js, production modules, config, unit, boot assets", async () => {
    await isoFile(out, "/maekin/payload.tar.gz", join(dir, "payload.tar.gz"));
    const { stdout } = await run("tar", ["-tzf", join(dir, "payload.tar.gz")], { maxBuffer: 64 * 1024 * 1024 });
    const names = new Set(stdout.split("\n"));
    for (const name of ["bin/maekin.js", "dist/cli/main.js", "dist/agent/maekin-agent.js", "templates/iso/maekin-master.service.hbs", "kickstart/debian-12.preseed.hbs",
      "package.json", "node/bin/node", "config/maekin.yaml", "maekin-master.service", "node_modules/better-sqlite3/package.json", "node_modules/express/package.json",
      "assets/agent/maekin-agent.js", "assets/debian-12/linux"]) {
      expect(names, name).toContain(name);
    }
    expect([...names].some((n) => n.startsWith("node_modules/vitest/"))).toBe(false);
  });

  // Both firmwares boot at once (two TCG machines on two cores); CD first, then a USB stick.
  describe.each(["cdrom", "usb"] as const)("QEMU boot from %s", (media) => {
    it.concurrent.for(["bios", "uefi"] as const)(`%s: the installer starts unattended with our preseed (marker on ttyS0 within ${BOOT_BUDGET_MS / 60_000} min)`, { timeout: BOOT_BUDGET_MS + 60_000 }, async (firmware, ctx) => {
      const why = await qemuIsoUnavailable(firmware);
      if (why) {
        if (process.env.CI) throw new Error(`cannot boot in CI: ${why}`);
        ctx.skip();
      }
      const name = `${firmware}-${media}`;
      const serialLog = join(ARTIFACTS, `serial-${name}.log`);
      rmSync(serialLog, { force: true });
      const outcome = await bootUntil({ iso: out, firmware, media, serialLog, ovmfVars: join(dir, `vars-${name}.fd`) }, PRESEED_MARKER, BOOT_BUDGET_MS);
      writeFileSync(join(ARTIFACTS, `boot-${name}.txt`), `${outcome.found ? "marker" : outcome.reason} after ${outcome.seconds.toFixed(1)} s\n`);
      ctx.expect(outcome.reason ?? "").toBe("");
      ctx.expect(outcome.found).toBe(true);
      // The automated entry's kernel command line, not one of the source's entries.
      ctx.expect(outcome.serial).toMatch(/Command line: .*auto=true priority=critical/);
    });
  });
});

describe.skipIf(unavailable)(`maekin iso build errors${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir = "";
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "maekin-iso-err-")); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it("names a source that is not a readable ISO", async () => {
    const junk = join(dir, "junk.iso");
    writeFileSync(junk, "not an iso at all");
    const r = await maekin(["iso", "build", "--source", junk, "-c", EXAMPLE, "-o", join(dir, "o.iso")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/junk\.iso is not a readable ISO image/);
  });

  it("names an ISO that is not a Debian installer", async () => {
    mkdirSync(join(dir, "plain"));
    writeFileSync(join(dir, "plain", "README"), "data\n");
    await run("xorriso", ["-as", "mkisofs", "-quiet", "-o", join(dir, "plain.iso"), join(dir, "plain")]);
    const r = await maekin(["iso", "build", "--source", join(dir, "plain.iso"), "-c", EXAMPLE, "-o", join(dir, "o.iso")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plain\.iso is not a Debian installer ISO for BIOS and UEFI: it has no BIOS El Torito entry and no UEFI El Torito entry/);
  });

  it("reports a config that fails validation as file:line:col", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync(EXAMPLE, "utf8").replace("  address: 10.77.0.1", "  address: 10.77.0.300"));
    const r = await maekin(["iso", "build", "--source", join(dir, "junk.iso"), "-c", bad, "-o", join(dir, "o.iso")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:9:\d+: master\.address: /);
  });

  it("says how to install xorriso when it is missing", async () => {
    const iso = join(dir, "plain.iso");
    const r = await maekin(["iso", "build", "--source", iso, "-c", EXAMPLE, "-o", join(dir, "o.iso")], { ...process.env, PATH: "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/xorriso is not installed: apt-get install xorriso/);
  });

  it("refuses to start without enough space", async () => {
    const huge = join(dir, "huge.iso");
    writeFileSync(huge, "");
    truncateSync(huge, 8 * 1024 ** 4); // sparse: 8 TiB that take no room
    const r = await maekin(["iso", "build", "--source", huge, "-c", EXAMPLE, "-o", join(dir, "o.iso"), "--work-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not enough space in .*: the extracted tree and the new ISO need about \d+ MiB, \d+ MiB are free/);
  });

  it("exits 2 on usage errors", async () => {
    expect((await maekin(["iso"])).code).toBe(2);
    expect((await maekin(["iso", "build", "-o", "x.iso"])).stderr).toMatch(/--source/);
    expect((await maekin(["iso", "build", "--help"])).stdout).toMatch(/^Usage: maekin iso build/);
  });
});
