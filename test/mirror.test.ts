// `maekin mirror sync` end to end on a small closure: sync from the real archive (hello's debs
// and three udebs, two of which the archive refuses here so the substitute step runs), serve it
// with `maekin serve` on loopback, and let real apt (own apt root, Signed-By our exported key,
// nothing insecure allowed) update and download from it. apt must refuse a tampered Packages
// file and a Release signed by another key; gpgv must accept ours.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { access, appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aptOptions } from "../src/mirror/_apt.js";
import { parseStanzas } from "../src/mirror/_control.js";
import { DEBIAN_KEYRING, mirrorLayout, syncMirror, type SyncSummary } from "../src/mirror/index.js";
import { loopbackConfigText } from "./fixtures/loopback.js";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const UPSTREAM = process.env.MAEKIN_TEST_UPSTREAM ?? "http://deb.debian.org/debian";
const INITRD = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz";
const UDEBS = ["rdate-udeb", "libmd0-udeb", "libbsd0-udeb"];

async function unavailable(): Promise<string | undefined> {
  for (const tool of ["apt-get", "gpg", "gpgv", "dpkg-deb"]) {
    if (await run("sh", ["-c", `command -v ${tool}`]).then(() => false, () => true)) return `${tool} is not installed`;
  }
  if (await access(INITRD).then(() => false, () => true)) return `${INITRD} is missing (apt-get install debian-installer-12-netboot-amd64)`;
  if (await access(DEBIAN_KEYRING).then(() => false, () => true)) return `${DEBIAN_KEYRING} is missing (apt-get install debian-archive-keyring)`;
  const ok = await fetch(`${UPSTREAM}/dists/bookworm/InRelease`, { method: "HEAD", signal: AbortSignal.timeout(10_000) }).then((r) => r.ok, () => false);
  return ok ? undefined : `${UPSTREAM} is not reachable`;
}
const why = await unavailable();
if (why && process.env.CI) throw new Error(`CI must run the mirror test, but: ${why}`);

describe.skipIf(why)(`maekin mirror sync, served, used by apt${why ? ` (skipped: ${why})` : ""}`, () => {
  let dir = "";
  let stateDir = "";
  let summary: SyncSummary;
  let master: ChildProcess | undefined;
  let masterLog = "";
  const port = 23000 + (process.pid % 9000);
  const url = `http://127.0.0.1:${port}/mirror/debian`;
  const layout = () => mirrorLayout(stateDir);

  /** A private apt root that trusts only our key for the mirror. */
  async function apt(name: string, keyring = layout().publicKey) {
    const root = join(dir, name);
    for (const sub of ["state/lists/partial", "cache/archives/partial", "sources.list.d", "preferences.d", "get"]) await mkdir(join(root, sub), { recursive: true });
    await writeFile(join(root, "sources.list"), `deb [signed-by=${keyring}] ${url} bookworm main main/debian-installer\n`);
    await writeFile(join(root, "status"), "");
    const opts = aptOptions(root);
    return (args: string[], cwd?: string) => run("apt-get", [...opts, ...args], { cwd, env: { ...process.env, LC_ALL: "C" } })
      .then((r) => ({ ok: true, out: `${r.stdout}${r.stderr}` }), (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "maekin-mirror-"));
    stateDir = join(dir, "state");
    summary = await syncMirror({
      stateDir, cluster: "test", upstream: UPSTREAM, upstreamKeyring: DEBIAN_KEYRING, installerInitrd: INITRD,
      packages: [], subset: { debs: ["hello"], udebs: UDEBS }, report: () => undefined,
    });
    const config = join(dir, "maekin.yaml");
    await writeFile(config, loopbackConfigText({ http: port, tftp: port + 1 }));
    master = spawn(process.execPath, [BIN, "serve", "-c", config, "--state-dir", stateDir], { stdio: ["ignore", "ignore", "pipe"] });
    master.stderr!.on("data", (d: Buffer) => { masterLog += d.toString(); });
    const end = Date.now() + 20_000;
    while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false))) {
      if (Date.now() > end) throw new Error(`maekin serve did not start: ${masterLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 10 * 60_000);

  afterAll(async () => {
    master?.kill("SIGTERM");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("mirrors hello's closure and the udebs, naming the substitutes it built", async () => {
    expect(summary.debs).toBeGreaterThanOrEqual(2);
    expect(summary.udebs).toBe(UDEBS.length);
    expect(summary.missing.filter((m) => m.needed)).toEqual([]);
    const packages = parseStanzas(await readFile(join(layout().dists, "main/debian-installer/binary-amd64/Packages"), "utf8"));
    expect(packages.map((p) => p.get("Package")).sort()).toEqual([...UDEBS].sort());
    // Every stanza describes the file that is there, substitutes included.
    for (const p of packages) {
      const file = await readFile(join(layout().debian, p.get("Filename")!));
      expect(String(file.length)).toBe(p.get("Size"));
    }
    const manifest = await readFile(layout().substitutes, "utf8");
    for (const s of summary.substitutes) {
      expect(s.file).toMatch(/^pool\/maekin-substitutes\/[^%]+\.udeb$/);
      expect(manifest).toContain(`${s.name} ${s.version}: ${s.file}`);
      expect(packages.find((p) => p.get("Package") === s.name)!.get("X-Maekin-Substitute")).toBe(s.why);
    }
    // No epoch (%3a) in any pool name.
    const all = [...parseStanzas(await readFile(join(layout().dists, "main/binary-amd64/Packages"), "utf8")), ...packages];
    expect(all.every((p) => !p.get("Filename")!.includes("%3a") && !p.get("Filename")!.includes(":"))).toBe(true);
    const stat = await readdir(join(layout().debian, "dists"));
    expect(stat.sort()).toEqual(["bookworm", "oldstable"]);
  });

  it("has the boot script of a node that installs from it load the keyring initrd", async () => {
    const script = await (await fetch(`http://127.0.0.1:${port}/boot.ipxe?mac=52:54:00:00:00:01`)).text();
    expect(script).toMatch(/^initrd --name maekin-keyring\.cpio\.gz http:\/\/127\.0\.0\.1:\d+\/mirror\/maekin-keyring\.cpio\.gz/m);
    expect(script).toMatch(/initrd=initrd\.gz initrd=maekin-keyring\.cpio\.gz /);
  });

  it("leaves no gpg-agent of its key running after the sync", async () => {
    const ps = (await run("ps", ["-eo", "args"])).stdout;
    expect(ps.split("\n").filter((l) => l.includes("gpg-agent") && l.includes(stateDir))).toEqual([]);
  });

  it("signs Release so that gpgv accepts it with our exported key", async () => {
    const { stderr } = await run("gpgv", ["--keyring", layout().publicKey, join(layout().dists, "Release.gpg"), join(layout().dists, "Release")]);
    expect(stderr).toMatch(/Good signature/);
    await run("gpgv", ["--keyring", layout().publicKey, join(layout().dists, "InRelease")]);
  });

  it("is served under /mirror with Range, the suite alias, and nothing outside the archive tree", async () => {
    const base = `http://127.0.0.1:${port}/mirror`;
    const release = await fetch(`${base}/debian/dists/oldstable/Release`);
    expect(release.status).toBe(200);
    expect(await release.text()).toMatch(/^Codename: bookworm$/m);
    const part = await fetch(`${base}/debian/dists/bookworm/Release`, { headers: { Range: "bytes=0-5" } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe("Origin");
    expect((await fetch(`${base}/maekin-keyring.cpio.gz`)).status).toBe(200);
    expect((await fetch(`${base}/maekin-archive.gpg`)).status).toBe(200);
    for (const bad of ["/gnupg/pubring.kbx", "/debian/../gnupg/pubring.kbx", "/debian/%2e%2e/gnupg/pubring.kbx", "/work/apt-deb/sources.list", "/debian/dists"]) {
      expect((await fetch(`${base}${bad}`)).status, bad).toBe(404);
    }
  });

  it("lets real apt update and download from it, trusting only our key", async () => {
    const get = await apt("apt-good");
    const update = await get(["update"]);
    expect(update.out).not.toMatch(/^(W|E): /m);
    expect(update.ok).toBe(true);
    const install = await get(["install", "--download-only", "--yes", "hello"]);
    expect(install.ok, install.out).toBe(true);
    const archives = await readdir(join(dir, "apt-good", "cache", "archives"));
    expect(archives.some((f) => f.startsWith("hello_"))).toBe(true);
    // udebs, substitutes included: apt checks each file against the Packages stanza.
    const download = await get(["download", ...UDEBS], join(dir, "apt-good", "get"));
    expect(download.ok, download.out).toBe(true);
    expect((await readdir(join(dir, "apt-good", "get"))).length).toBe(UDEBS.length);
  });

  it("makes apt refuse a Release signed by another key", async () => {
    const get = await apt("apt-wrong-key", DEBIAN_KEYRING);
    const update = await get(["update"]);
    expect(update.out).toMatch(/NO_PUBKEY|not signed|signature/i);
    expect(update.out).toMatch(/^(E|W): /m);
    const install = await get(["install", "--download-only", "--yes", "hello"]);
    expect(install.ok).toBe(false);
  });

  it("makes apt refuse a tampered Packages file", async () => {
    const packages = join(layout().dists, "main/binary-amd64/Packages");
    const packagesGz = `${packages}.gz`;
    await copyFile(packages, `${packages}.orig`);
    await copyFile(packagesGz, `${packagesGz}.orig`);
    try {
      await appendFile(packages, "Package: evil\nVersion: 1\nArchitecture: amd64\nFilename: pool/evil.deb\nSize: 1\nSHA256: 00\n\n");
      await rm(packagesGz);
      const get = await apt("apt-tampered");
      const update = await get(["update"]);
      expect(update.out).toMatch(/Hash Sum mismatch|File has unexpected size/);
      expect(update.ok).toBe(false);
    } finally {
      await copyFile(`${packages}.orig`, packages);
      await copyFile(`${packagesGz}.orig`, packagesGz);
    }
  });
});
