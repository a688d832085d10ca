// Issue 6, node lifecycle end to end: a real `maekin serve` in one namespace (br-prov,
// 10.77.0.1, the shared example config as written) and a node in another (br0, 10.77.0.11).
// The node walks booting -> installing -> installed with the real iPXE script, preseed and
// early_command (busybox sh + nc, what debian-installer has), then the real agent registers
// and heartbeats (ready); a node whose checks fail stays registered with the check named.
import { spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preseedScripts } from "../src/render/_check.js";
import { createTestNet, netnsUnavailable, sh, type TestNet } from "./harness/netns.js";
import { EXAMPLE_PATH } from "./fixtures/loopback.js";

const BIN = join(import.meta.dirname, "..", "bin", "maekin.js");
const MASTER = "http://10.77.0.1:8080";
const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => spawnSync(p, ["true"]).status === 0);
const missingTool = !busybox ? "busybox" : ([["curl", "--version"], ["openssl", "version"]] as const).find(([t, arg]) => spawnSync(t, [arg]).status !== 0)?.[0];
const why = (await netnsUnavailable()) ?? (missingTool && `${missingTool} is missing`);
if (why && process.env.CI) throw new Error(`CI must run the lifecycle namespace test, but: ${why}`);

interface NodeView { name: string; state: string; ip: string | null; macs: string[] }

/** A fake node filesystem for `maekin agent --root`: what the agent reads from /proc, /sys and /dev. */
function fakeRoot(dir: string, options: { kvm: boolean }): string {
  const files: Record<string, string> = {
    "proc/cpuinfo": "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu vmx sse2\n\nprocessor\t: 1\nmodel name\t: Test CPU\nflags\t\t: fpu vmx sse2\n",
    "proc/meminfo": "MemTotal:        4028736 kB\nMemFree:         3000000 kB\n",
    "sys/block/vda/size": "41943040\n",
    "sys/class/net/br0/operstate": "up\n",
    "sys/class/net/br0/address": "52:54:00:00:00:01\n",
    "sys/class/net/ens3/operstate": "up\n",
    "sys/class/net/ens3/address": "52:54:00:00:00:01\n",
    "sys/class/net/ens3/master/uevent": "DEVTYPE=bridge\nINTERFACE=br0\n",
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  mkdirSync(join(dir, "sys/class/net/br0/bridge"), { recursive: true });
  mkdirSync(join(dir, "dev"), { recursive: true });
  if (options.kvm) writeFileSync(join(dir, "dev/kvm"), "");
  return dir;
}

describe.skipIf(why)(`node lifecycle across namespaces${why ? ` (skipped: ${why})` : ""}`, () => {
  const net: TestNet = createTestNet("l");
  const dir = mkdtempSync(join(tmpdir(), "maekin-life-"));
  const stateDir = join(dir, "state");
  const bin = join(dir, "bin");
  let masterNs = "";
  let nodeNs = "";
  let serve: ChildProcess | undefined;
  let serveLog = "";

  const nodeCurl = (...args: string[]) => net.exec(nodeNs, ["curl", "-sS", "--fail-with-body", "--max-time", "10", ...args]);
  const nodes = async (...args: string[]) =>
    JSON.parse(await net.exec(masterNs, [process.execPath, BIN, "nodes", ...args, "--json", "--master", MASTER, "--state-dir", stateDir])) as unknown;
  const nodeState = async (name: string) => ((await nodes("show", name)) as { node: NodeView }).node.state;

  beforeAll(async () => {
    mkdirSync(bin);
    // debian-installer's nc is busybox's; the node namespace has no other.
    symlinkSync(busybox!, join(bin, "nc"));
    // A test double for virsh: libvirt is not installed here, and the agent only asks it for its
    // version and domain list (`virsh -c qemu:///system version` / `list --all --name`).
    writeFileSync(join(bin, "virsh"), `#!/bin/sh
case "$*" in
  *version*) printf 'Compiled against library: libvirt 9.0.0\\nUsing library: libvirt 9.0.0\\nUsing API: QEMU 9.0.0\\nRunning hypervisor: QEMU 7.2.0\\n' ;;
  *list*) printf 'vm1\\n\\n' ;;
  *) echo "virsh test double: unexpected $*" >&2; exit 1 ;;
esac
`);
    chmodSync(join(bin, "virsh"), 0o755);

    masterNs = await net.netns("m");
    nodeNs = await net.netns("n");
    // The master's provisioning bridge as the example names it, and the node's br0 (what the
    // installed node's network config makes), joined by a veth pair enslaved on both sides.
    await net.bridge(masterNs, "br-prov", "10.77.0.1/24");
    await net.bridge(nodeNs, "br0", "10.77.0.11/24");
    await net.veth({ ns: masterNs, ifname: "eth0" }, { ns: nodeNs, ifname: "eth0" });
    await net.exec(masterNs, ["ip", "link", "set", "eth0", "master", "br-prov"]);
    await net.exec(nodeNs, ["ip", "link", "set", "eth0", "master", "br0"]);

    serve = net.spawn(masterNs, [process.execPath, BIN, "serve", "-c", EXAMPLE_PATH, "--state-dir", stateDir]);
    serve.stdout?.on("data", (d: Buffer) => { serveLog += d.toString(); });
    serve.stderr?.on("data", (d: Buffer) => { serveLog += d.toString(); });
    const end = Date.now() + 20_000;
    for (;;) {
      if (serve.exitCode !== null) throw new Error(`maekin serve exited ${serve.exitCode}: ${serveLog}`);
      if (await nodeCurl(`${MASTER}/healthz`).then(() => true, () => false)) break;
      if (Date.now() > end) throw new Error(`maekin serve did not answer /healthz within 20 s: ${serveLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await net.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let token = "";

  it("boot script (booting), preseed (installing), the real early_command (install.started), install.done (installed)", async () => {
    const script = await nodeCurl(`${MASTER}/boot.ipxe?mac=52:54:00:00:00:01`);
    token = /\/install\/([^/\s]+)\/preseed\.cfg/.exec(script)?.[1] ?? "";
    expect(token, script).not.toBe("");
    expect(await nodeState("node01")).toBe("booting");

    const preseed = await nodeCurl(`${MASTER}/install/${token}/preseed.cfg`);
    expect(await nodeState("node01")).toBe("installing");
    const early = preseedScripts(preseed).find((s) => s.where.startsWith("preseed/early_command"));
    expect(early?.body).toContain("install.started");
    await net.exec(nodeNs, ["env", `PATH=${bin}:/usr/bin:/bin`, busybox!, "sh", "-c", early!.body], 20_000);
    const shown = (await nodes("show", "node01")) as { node: NodeView; events: { type: string }[] };
    expect(shown.node.state).toBe("installing");
    expect(shown.events.map((e) => e.type)).toContain("install.started");

    await nodeCurl("-X", "POST", "-H", `Authorization: Bearer ${token}`, "-H", "Content-Type: application/json",
      "--data", '{"type":"install.done"}', `${MASTER}/api/v1/events`);
    expect(await nodeState("node01")).toBe("installed");
    expect(await nodeCurl(`${MASTER}/boot.ipxe?mac=52:54:00:00:00:01`)).toMatch(/node01 is installed/);
  });

  it("the real agent registers and heartbeats: ready, TLS files under the root, a certificate that chains to the CA", async () => {
    const root = fakeRoot(join(dir, "root01"), { kvm: true });
    await agentOnce(root, token);
    expect(await nodeState("node01")).toBe("ready");
    const list = (await nodes("list")) as { nodes: NodeView[] };
    expect(list.nodes.find((n) => n.name === "node01")).toMatchObject({ state: "ready", ip: "10.77.0.11" });
    const table = await net.exec(masterNs, [process.execPath, BIN, "nodes", "list", "--master", MASTER, "--state-dir", stateDir]);
    expect(table).toMatch(/^node01 +ready +52:54:00:00:00:01 +10\.77\.0\.11 +kvm-debian12/m);

    const mode = (path: string) => statSync(join(root, path)).mode & 0o777;
    expect(mode("etc/pki/libvirt/private/serverkey.pem")).toBe(0o600);
    expect(mode("etc/pki/libvirt/private/clientkey.pem")).toBe(0o600);
    expect(mode("etc/maekin/agent.key")).toBe(0o600);
    expect(mode("etc/pki/CA/cacert.pem")).toBe(0o644);
    for (const cert of ["servercert.pem", "clientcert.pem"]) {
      const verified = await sh(["openssl", "verify", "-CAfile", join(root, "etc/pki/CA/cacert.pem"), join(root, "etc/pki/libvirt", cert)]);
      expect(verified).toMatch(/: OK$/m);
    }
    const text = await sh(["openssl", "x509", "-in", join(root, "etc/pki/libvirt/servercert.pem"), "-noout", "-text"]);
    expect(text).toMatch(/DNS:node01, DNS:node01\.cloud\.test, IP Address:10\.77\.0\.11/);
    // The key on disk is the certificate's key.
    const pub = (args: string[]) => sh(["openssl", ...args]);
    expect(await pub(["pkey", "-in", join(root, "etc/pki/libvirt/private/serverkey.pem"), "-pubout"]))
      .toBe(await pub(["x509", "-in", join(root, "etc/pki/libvirt/servercert.pem"), "-noout", "-pubkey"]));
  });

  it("an agent whose checks fail registers but stays registered, with the failing check named", async () => {
    const script = await nodeCurl(`${MASTER}/boot.ipxe?mac=52:54:00:00:00:02`);
    const token02 = /\/install\/([^/\s]+)\/preseed\.cfg/.exec(script)?.[1] ?? "";
    expect(token02, script).not.toBe("");
    await agentOnce(fakeRoot(join(dir, "root02"), { kvm: false }), token02);
    expect(await nodeState("node02")).toBe("registered");
    const table = await net.exec(masterNs, [process.execPath, BIN, "nodes", "list", "--master", MASTER, "--state-dir", stateDir]);
    expect(table).toMatch(/^node02 +registered +52:54:00:00:00:02 +10\.77\.0\.12 .*kvm: \/dev\/kvm is missing/m);
    expect(table).toMatch(/^node01 +ready /m);
  });

  /** Runs `maekin agent --once` in the node namespace with the virsh double first on PATH. */
  async function agentOnce(root: string, installToken: string): Promise<void> {
    await net.exec(nodeNs, ["env", `PATH=${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, process.execPath, BIN, "agent",
      "--master", MASTER, "--token", installToken, "--root", root, "--bridge", "br0", "--once"], 30_000);
  }
});
