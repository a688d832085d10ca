// libvirt over TLS with maekin's certificates, checked against the real libvirtd and virsh:
// node01 registers through the master's API, its TLS bundle is laid out where the agent puts it,
// a libvirtd serves TLS with those files, and virsh on the master side connects by node name
// with the master's own client certificate (pkipath=). A client of another CA is refused.
// libvirtd runs in a mount namespace of its own (tmpfs over its state dirs), so a libvirtd of the
// host is never touched.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTls, type TlsBundle } from "../src/agent/index.js";
import { caPaths, ensureCa, ensureLibvirtClient, libvirtClientDir } from "../src/pki/index.js";
import { startMaster, type Master } from "../src/server/_master.js";
import { healthyFacts } from "./fixtures/facts.js";
import { loopbackCluster } from "./fixtures/loopback.js";
import { sleep } from "./harness/lab-cli.js";

const run = promisify(execFile);
const exists = (p: string) => access(p).then(() => true, () => false);
const why = process.getuid?.() !== 0 ? "needs root (a mount namespace for libvirtd)"
  : !(await exists("/usr/sbin/libvirtd")) ? "libvirtd is not installed (apt-get install libvirt-daemon-system)"
    : !(await exists("/usr/bin/virsh")) ? "virsh is not installed (apt-get install libvirt-clients)" : undefined;
if (why && process.env.CI) throw new Error(`CI must check libvirt TLS, but: ${why}`);

const HTTP_PORT = 26000 + (process.pid % 9000);
const TLS_PORT = HTTP_PORT + 1;
/** The loopback cluster puts node01 at 127.0.0.11. */
const NODE_IP = "127.0.0.11";

describe.skipIf(why)(`libvirt TLS between the master and a node${why ? ` (skipped: ${why})` : ""}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "maekin-libvirt-"));
  const stateDir = join(dir, "state");
  const nodeRoot = join(dir, "node");
  let master: Master;
  let libvirtd: ChildProcess | undefined;
  let libvirtdLog = "";

  /** virsh inside a mount namespace whose /etc/hosts names node01 (as the lab's netns hosts file does). */
  const virsh = (pkipath: string) => run("unshare", ["--mount", "sh", "-c",
    `mount --bind ${join(dir, "hosts")} /etc/hosts && exec virsh -c 'qemu+tls://node01:${TLS_PORT}/system?pkipath=${pkipath}' version`], { timeout: 30_000 });

  beforeAll(async () => {
    master = await startMaster({
      cluster: loopbackCluster({ http: HTTP_PORT }), stateDir, skipPreflight: true, logger: pino({ level: "silent" }),
      tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1",
    });
    const script = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/boot.ipxe?mac=52:54:00:00:00:01`)).text();
    const token = /\/install\/([^/]+)\/preseed\.cfg/.exec(script)?.[1];
    const res = await fetch(`http://127.0.0.1:${HTTP_PORT}/api/v1/register`, {
      method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ facts: healthyFacts(NODE_IP) }),
    });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as TlsBundle;
    await installTls(nodeRoot, bundle, async () => { throw new Error("no systemctl outside /"); });
    writeFileSync(join(dir, "hosts"), `127.0.0.1 localhost\n${NODE_IP} node01.cloud.test node01\n`);
    const pki = (p: string) => join(nodeRoot, p);
    writeFileSync(join(dir, "libvirtd.conf"), [
      "listen_tls = 1", "listen_tcp = 0", `tls_port = "${TLS_PORT}"`, `listen_addr = "${NODE_IP}"`, `unix_sock_dir = "${dir}/run"`,
      `key_file = "${pki("etc/pki/libvirt/private/serverkey.pem")}"`, `cert_file = "${pki("etc/pki/libvirt/servercert.pem")}"`,
      `ca_file = "${pki("etc/pki/CA/cacert.pem")}"`, 'auth_tls = "none"', "",
    ].join("\n"));
    // tmpfs over libvirt's system dirs: this libvirtd shares no state, lock or socket with another.
    const mounts = ["/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt", "/var/log/libvirt"]
      .map((d) => `mkdir -p ${d} && mount -t tmpfs tmpfs ${d}`).join(" && ");
    libvirtd = spawn("unshare", ["--mount", "sh", "-c", `${mounts} && mkdir -p ${dir}/run && exec libvirtd --listen -f ${dir}/libvirtd.conf`], { stdio: ["ignore", "pipe", "pipe"] });
    libvirtd.stdout?.on("data", (b: Buffer) => { libvirtdLog += b.toString(); });
    libvirtd.stderr?.on("data", (b: Buffer) => { libvirtdLog += b.toString(); });
    // Ready when the TLS port answers.
    for (let i = 0; i < 60; i++) {
      const open = await run("sh", ["-c", `exec 3<>/dev/tcp/${NODE_IP}/${TLS_PORT}`], { shell: "/bin/bash" }).then(() => true, () => false);
      if (open) return;
      if (libvirtd.exitCode !== null) throw new Error(`libvirtd exited: ${libvirtdLog}`);
      await sleep(500);
    }
    throw new Error(`libvirtd did not listen on ${NODE_IP}:${TLS_PORT}: ${libvirtdLog}`);
  }, 60_000);

  afterAll(async () => {
    if (libvirtd && libvirtd.exitCode === null) {
      libvirtd.kill("SIGTERM");
      await new Promise((resolve) => libvirtd!.once("exit", resolve));
    }
    await master?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("virsh on the master reaches node01's libvirt by name with the master's client certificate", async () => {
    const { stdout } = await virsh(libvirtClientDir(stateDir));
    expect(stdout).toMatch(/Running hypervisor: QEMU \d+\.\d+/);
  });

  it("refuses a client certificate from another CA", async () => {
    const otherState = join(dir, "other");
    const other = await ensureCa(otherState, "intruder");
    await ensureLibvirtClient(otherState, other, { domain: "cloud.test", ip: "127.0.0.1" });
    // The intruder trusts our CA for the server, so only the server's check of the client can refuse.
    const intruder = libvirtClientDir(otherState);
    writeFileSync(join(intruder, "cacert.pem"), readFileSync(caPaths(stateDir).cert));
    await expect(virsh(intruder)).rejects.toThrow(/certificate|TLS|handshake|verif/i);
  });
});
