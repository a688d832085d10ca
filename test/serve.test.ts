// The master on loopback: boot scripts, answer files, assets, TFTP, metrics, refusals.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_BACKLOG, startMaster, type Master } from "../src/server/_master.js";
import { loopbackCluster } from "./fixtures/loopback.js";

const HTTP_PORT = 20000 + (process.pid % 20000);
const IPXE_EFI = "/usr/lib/ipxe/ipxe.efi";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("maekin master on loopback", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "maekin-state-"));
  let master: Master;
  const logged: { msg: string; [k: string]: unknown }[] = [];
  const url = (path: string) => `http://127.0.0.1:${HTTP_PORT}${path}`;

  beforeAll(async () => {
    master = await startMaster({
      cluster: loopbackCluster({ http: HTTP_PORT }), stateDir, skipPreflight: true,
      logger: pino({ level: "info" }, { write: (line: string) => { logged.push(JSON.parse(line) as (typeof logged)[number]); } }),
      tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1",
    });
  });
  afterAll(async () => {
    await master?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("answers /healthz", async () => {
    const res = await fetch(url("/healthz"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("serves node01 its iPXE script with a token, and the preseed behind that token", async () => {
    const res = await fetch(url("/boot.ipxe?mac=52-54-00-00-00-01"));
    expect(res.status).toBe(200);
    const script = await res.text();
    expect(script).toMatch(/^#!ipxe/);
    const token = /\/install\/([A-Za-z0-9_-]+)\/preseed\.cfg/.exec(script)?.[1];
    expect(token).toBeDefined();
    expect(script).toContain(`kernel http://127.0.0.1:${HTTP_PORT}/assets/debian-12/linux initrd=initrd.gz`);
    // node01 installs from this master's mirror, but none is synced here: no keyring initrd to ask for.
    expect(script).not.toContain("maekin-keyring");
    const preseed = await fetch(url(`/install/${token}/preseed.cfg`));
    expect(preseed.status).toBe(200);
    expect(await preseed.text()).toMatch(/^d-i netcfg\/get_hostname string node01$/m);
    expect(master.inventory.getByName("node01")?.state).toBe("installing");
    // A second fetch serves the same file and records nothing more (no write per request).
    const again = await fetch(url(`/install/${token}/preseed.cfg`));
    expect(again.status).toBe(200);
    const node01 = master.inventory.getByName("node01")!;
    expect(master.inventory.events(node01.id).filter((e) => e.type === "answer.fetched")).toHaveLength(1);
    const late = await fetch(url(`/install/${token}/late.sh`));
    expect(await late.text()).toMatch(/MAEKIN_TOKEN=/);
    const ks = await fetch(url(`/install/${token}/ks.cfg`));
    expect(ks.status).toBe(404);
    expect(await ks.text()).toMatch(/node01 installs debian-12: its files are preseed\.cfg, late\.sh/);
  });

  it("queues a boot storm's connections: its HTTP listen backlog is HTTP_BACKLOG, not Node's 511", async () => {
    const { stdout } = await promisify(execFile)("ss", ["-ltnH", `sport = :${HTTP_PORT}`]);
    // For a listening socket, ss shows the backlog as Send-Q; the kernel caps it at somaxconn.
    const backlog = Number(stdout.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    expect(backlog).toBe(Math.min(HTTP_BACKLOG, somaxconn));
    expect(backlog).toBeGreaterThan(511);
  });

  it("refuses a wrong token with 403 and a bad MAC with 400, each with a reason", async () => {
    const denied = await fetch(url("/install/not-a-token/preseed.cfg"));
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(/unknown or expired install token/);
    const bad = await fetch(url("/boot.ipxe?mac=nonsense"));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/is not a MAC address/);
    const none = await fetch(url("/nothing/here"));
    expect(none.status).toBe(404);
    expect(await none.text()).toMatch(/no route for GET \/nothing\/here/);
  });

  it("enrolls an unknown machine (enroll.unknown: install) and gives node03 a kickstart", async () => {
    const unknown = await (await fetch(url("/boot.ipxe?mac=52:54:00:aa:bb:cc"))).text();
    expect(unknown).toMatch(/installing node-525400aabbcc\.cloud\.test with debian-12/);
    const rocky = await (await fetch(url("/boot.ipxe?mac=52:54:00:00:00:03"))).text();
    const token = /inst\.ks=http:\/\/[^/]+\/install\/([^/]+)\/ks\.cfg/.exec(rocky)?.[1];
    const ks = await fetch(url(`/install/${token}/ks.cfg`));
    expect(ks.status).toBe(200);
    expect(await ks.text()).toMatch(/--hostname=node03\.cloud\.test/);
  });

  it("boots an installed node from its disk: no boot loop", async () => {
    expect(await (await fetch(url("/boot.ipxe?mac=52:54:00:00:00:02"))).text()).toMatch(/kernel /);
    const node02 = master.inventory.getByName("node02")!;
    master.inventory.transition(node02.id, "installing");
    master.inventory.transition(node02.id, "installed");
    const script = await (await fetch(url("/boot.ipxe?mac=52:54:00:00:00:02"))).text();
    expect(script).toMatch(/^#!ipxe\n/);
    expect(script).toMatch(/node02 is installed; maekin nodes reinstall node02 installs it again/);
    expect(script).toMatch(/^exit$/m);
    expect(script).not.toMatch(/kernel/);
  });

  it("serves assets with Content-Length, ranges, HEAD, ETag and 416", async () => {
    const whole = Buffer.from(await (await fetch(url("/assets/ipxe.efi"))).arrayBuffer());
    expect(sha(whole)).toBe(sha(readFileSync(IPXE_EFI)));
    const part = await fetch(url("/assets/ipxe.efi"), { headers: { Range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(100, 200));
    const tail = await fetch(url("/assets/ipxe.efi"), { headers: { Range: "bytes=-10" } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(whole.subarray(whole.length - 10));
    const head = await fetch(url("/assets/ipxe.efi"), { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(whole.length));
    const etag = head.headers.get("etag")!;
    expect((await fetch(url("/assets/ipxe.efi"), { headers: { "If-None-Match": etag } })).status).toBe(304);
    const past = await fetch(url("/assets/ipxe.efi"), { headers: { Range: `bytes=${whole.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${whole.length}`);
    // Each request is one "asset served" line with what was sent, so a boot can be followed in the log.
    const served = logged.filter((l) => l.msg === "asset served" && l.asset === "ipxe.efi");
    expect(served.map((l) => [l.method, l.status, l.bytes, l.complete])).toEqual([
      ["GET", 200, whole.length, true], ["GET", 206, 100, true], ["GET", 206, 10, true], ["HEAD", 200, whole.length, true],
      ["GET", 304, 0, true], ["GET", 416, 0, true],
    ]);
  });

  it("serves the agent bundle that late.sh and %post download", async () => {
    const res = await fetch(url("/assets/agent/maekin-agent.js"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(await res.text()).toMatch(/the agent bundle runs one verb/);
  });

  it("serves imported assets from the state dir and never leaves it", async () => {
    mkdirSync(join(stateDir, "assets", "rocky-9"), { recursive: true });
    writeFileSync(join(stateDir, "assets", "rocky-9", "vmlinuz"), "kernel-bytes");
    symlinkSync("/etc/passwd", join(stateDir, "assets", "rocky-9", "initrd.img"));
    expect(await (await fetch(url("/assets/rocky-9/vmlinuz"))).text()).toBe("kernel-bytes");
    const attempts = ["rocky-9/initrd.img", "..%2f..%2fetc%2fpasswd", "rocky-9/..%2f..%2f..%2fetc%2fpasswd", "%2fetc%2fpasswd", "rocky-9%5c..%5c..%5cetc%5cpasswd", "rocky-9/%00", "rocky-9/.%2e/.%2e/.%2e/etc/passwd"];
    for (const attempt of attempts) {
      const res = await fetch(url(`/assets/${attempt}`));
      expect(res.status, attempt).toBe(404);
      expect(await res.text()).not.toMatch(/root:/);
    }
  });

  it("serves iPXE over TFTP byte-exact (curl tftp://)", async () => {
    const out = join(stateDir, "got.efi");
    await promisify(execFile)("curl", ["-s", "-o", out, `tftp://127.0.0.1:${master.tftp.port}/ipxe.efi`], { timeout: 20_000 });
    expect(sha(readFileSync(out))).toBe(sha(readFileSync(IPXE_EFI)));
    expect(logged).toContainEqual(expect.objectContaining({ msg: "tftp transfer done", path: "ipxe.efi", bytes: readFileSync(IPXE_EFI).length }));
  });

  it("counts requests by route and status in /metrics, without tokens or MACs", async () => {
    const text = await (await fetch(url("/metrics"))).text();
    expect(text).toMatch(/maekin_http_requests_total\{route="\/boot\.ipxe",status="200"\} [1-9]/);
    expect(text).toMatch(/maekin_http_requests_total\{route="\/install\/:token\/:file",status="403"\} 1/);
    expect(text).toMatch(/maekin_tftp\{what="completed"\} [1-9]/);
    expect(text).not.toMatch(/52:54:00|not-a-token/);
  });
});

describe("the agent bundle", () => {
  it("is one self-contained file that runs with plain node under the name the nodes store it as", async () => {
    // The name comes from the systemd unit the nodes get; Debian 12's and RHEL 9's nodejs (18) load a
    // .js file as CommonJS (no syntax detection), which --no-experimental-detect-module reproduces.
    const unit = readFileSync(join(import.meta.dirname, "..", "templates", "partials", "agent-unit.hbs"), "utf8");
    const name = /ExecStart=\/usr\/bin\/node \/opt\/maekin\/(\S+) agent/.exec(unit)?.[1];
    expect(name).toBe("maekin-agent.mjs");
    const dir = mkdtempSync(join(tmpdir(), "maekin-agent-"));
    try {
      const bundle = join(import.meta.dirname, "..", "dist", "agent", "maekin-agent.js");
      writeFileSync(join(dir, name!), readFileSync(bundle));
      const { stdout } = await promisify(execFile)("node", ["--no-experimental-detect-module", join(dir, name!), "agent", "--help"], { cwd: dir });
      expect(stdout).toMatch(/^Usage: maekin agent --master URL --token TOKEN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
