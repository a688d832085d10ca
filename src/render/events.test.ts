// The installer event snippets, run for real: the preseed's early_command in busybox sh with
// busybox nc (what debian-installer has), the kickstart %pre with curl (what Anaconda has),
// each posting to a real HTTP server on loopback.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { packageRoot } from "../model/paths.js";
import { kickstartScripts, preseedScripts } from "./_check.js";
import { createEngine, renderAnswerFile } from "./index.js";

const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => spawnSync(p, ["true"]).status === 0);
const curl = spawnSync("curl", ["--version"]).status === 0;
if (process.env.CI && (!busybox || !curl)) throw new Error("CI must have busybox and curl (apt-get install busybox curl)");

/** Runs a command without blocking the event loop (the HTTP server lives in this process). */
async function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  try {
    await promisify(execFile)(cmd, args, { env, timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

interface Seen { method?: string; url?: string; auth?: string; body: string }

describe.skipIf(!busybox || !curl)(`installer events reach the master${busybox && curl ? "" : " (skipped: needs busybox and curl)"}`, () => {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => { body += chunk.toString(); });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      res.writeHead(204).end();
    });
  });
  let port = 0;
  const bin = mkdtempSync(join(tmpdir(), "maekin-bb-"));

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    symlinkSync(busybox!, join(bin, "nc"));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(bin, { recursive: true, force: true });
  });

  function render(os: "debian-12" | "rocky-9"): string {
    const text = readFileSync(join(packageRoot, "..", "shared", "examples", "maekin.yaml"), "utf8")
      .replace("subnet: 10.77.0.0/24", "subnet: 127.0.0.0/8")
      .replace("address: 10.77.0.1", "address: 127.0.0.1")
      .replace("gateway: 10.77.0.1", "gateway: 127.0.0.254")
      .replace("pool: 10.77.0.100-10.77.0.199", "pool: 127.0.1.100-127.0.1.199")
      .replace(/ip: 10\.77\.0\./g, "ip: 127.0.0.")
      .replace("port: 8080", `port: ${port}`);
    const { config, issues } = parseConfig(text, "loopback.yaml");
    if (!config) throw new Error(issues.map((i) => i.message).join("; "));
    const cluster = createCluster(config);
    const node = cluster.nodes.find((n) => n.profileRef.os === os)!;
    return renderAnswerFile(createEngine(), cluster, { ...node, profile: node.profileRef }, { token: "s3cret-token" }).text;
  }

  it("the preseed early_command posts install.started with the node token (busybox sh + nc)", async () => {
    seen.length = 0;
    const early = preseedScripts(render("debian-12")).find((s) => s.where.startsWith("preseed/early_command"))!;
    expect(await run(busybox!, ["sh", "-c", early.body], { PATH: `${bin}:/usr/bin:/bin` })).toBe(0);
    expect(seen).toEqual([{ method: "POST", url: "/api/v1/events", auth: "Bearer s3cret-token", body: '{"type":"install.started"}' }]);
  });

  it("the partman early_command posts install.partitioning, then picks the first disk (d-i's tools faked)", async () => {
    seen.length = 0;
    const partman = preseedScripts(render("debian-12")).find((s) => s.where.startsWith("partman/early_command"))!;
    const log = join(bin, "debconf.log");
    writeFileSync(join(bin, "list-devices"), "#!/bin/sh\necho /dev/vda\necho /dev/vdb\n", { mode: 0o755 });
    writeFileSync(join(bin, "debconf-set"), `#!/bin/sh\necho "$1=$2" >> ${log}\n`, { mode: 0o755 });
    expect(await run(busybox!, ["sh", "-c", partman.body], { PATH: `${bin}:/usr/bin:/bin` })).toBe(0);
    expect(seen).toEqual([{ method: "POST", url: "/api/v1/events", auth: "Bearer s3cret-token", body: '{"type":"install.partitioning"}' }]);
    expect(readFileSync(log, "utf8")).toBe("partman-auto/disk=/dev/vda\ngrub-installer/bootdev=/dev/vda\n");
  });

  it("the kickstart %pre posts install.started with curl", async () => {
    seen.length = 0;
    const pre = kickstartScripts(render("rocky-9"))[0]!;
    const onlyEvent = pre.body.split("\n").slice(0, 2).join("\n");
    expect(await run("sh", ["-c", onlyEvent])).toBe(0);
    expect(seen).toEqual([{ method: "POST", url: "/api/v1/events", auth: "Bearer s3cret-token", body: '{"type":"install.started"}' }]);
  });

  it("a master that is down never fails the install", async () => {
    seen.length = 0;
    const early = preseedScripts(render("debian-12")).find((s) => s.where.startsWith("preseed/early_command"))!;
    const dead = early.body.replace(`nc -w 10 127.0.0.1 ${port}`, "nc -w 2 127.0.0.1 9");
    expect(dead).not.toBe(early.body);
    expect(await run(busybox!, ["sh", "-c", dead], { PATH: `${bin}:/usr/bin:/bin` })).toBe(0);
    expect(seen).toEqual([]);
  });
});
