// Interop: the maekin TFTP server in one network namespace, real clients (curl, atftp) in another,
// joined by a veth pair. Packet loss comes from an nftables random-drop rule in the client
// namespace (this kernel has no netem). The server runs as its own process inside its namespace
// (test/fixtures/tftp-serve.ts through tsx), because a Node process cannot enter a namespace.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNet, netnsUnavailable, sh, type TestNet } from "./harness/netns.js";

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const fixture = join(repo, "test/fixtures/tftp-serve.ts");
const SERVER = "10.231.0.1";
const CLIENT = "10.231.0.2";

async function missingTools(): Promise<string | undefined> {
  for (const tool of ["curl", "atftp", "nft"]) {
    if (!(await sh(["sh", "-c", `command -v ${tool}`]).catch(() => ""))) return `${tool} is not installed`;
  }
  return undefined;
}

const why = (await netnsUnavailable()) ?? (await missingTools());
if (why && process.env.CI) throw new Error(`CI must run the TFTP interop tests, but: ${why}`);

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Writes `size` random bytes to path (in 1 MiB pieces) and returns their sha256. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= 1 << 20) {
    const part = randomBytes(Math.min(left, 1 << 20));
    hash.update(part);
    parts.push(part);
  }
  await writeFile(path, Buffer.concat(parts));
  return hash.digest("hex");
}

describe.skipIf(why)(`TFTP interop with curl and atftp in network namespaces${why ? ` (skipped: ${why})` : ""}`, () => {
  let net: TestNet;
  let dir: string;
  let cli: string;
  let port: number;
  const sums = new Map<string, string>();
  const BIG = 40 * 1024 * 1024;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mk-tftp-interop-"));
    await Promise.all([
      randomFile(join(dir, "big.bin"), BIG).then((s) => sums.set("big.bin", s)),
      randomFile(join(dir, "small.bin"), 1_500_000).then((s) => sums.set("small.bin", s)),
    ]);
    net = createTestNet("tf");
    const srv = await net.netns("srv");
    cli = await net.netns("cli");
    await net.veth({ ns: srv, ifname: "eth0", cidr: `${SERVER}/24` }, { ns: cli, ifname: "eth0", cidr: `${CLIENT}/24` });
    // A short first timeout keeps the loss test quick; the server backs off from there.
    const child = net.spawn(srv, [process.execPath, "--import", "tsx", fixture, dir, SERVER, "100"], { cwd: repo });
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`tftp-serve did not start: ${err}`)), 20_000);
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once("exit", (code) => reject(new Error(`tftp-serve exited with ${code}: ${err}`)));
    });
  });

  afterAll(async () => {
    await net?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs a client in the client namespace, checks the file byte-exact, returns MB/s. */
  async function fetched(name: string, out: string, argv: string[]): Promise<number> {
    const t0 = performance.now();
    await net.exec(cli, argv, 90_000);
    const seconds = (performance.now() - t0) / 1000;
    const path = join(dir, out);
    expect((await stat(path)).size).toBeGreaterThan(0);
    expect(await sha256(path)).toBe(sums.get(name));
    await rm(path);
    const mbps = (await stat(join(dir, name))).size / 1e6 / seconds;
    console.log(`tftp interop: ${argv[0]} ${name} ${mbps.toFixed(1)} MB/s (${seconds.toFixed(2)} s)`);
    return mbps;
  }

  const curl = (name: string, out: string) =>
    ["curl", "-sS", "--max-time", "60", "--tftp-blksize", "1468", "-o", join(dir, out), `tftp://${SERVER}:${port}/${name}`];
  const atftp = (name: string, out: string) => [
    "atftp", "--get", "-r", name, "-l", join(dir, out),
    "--option", "blksize 1468", "--option", "tsize 0", "--option", "windowsize 16", "--tftp-timeout", "1", SERVER, String(port),
  ];

  it("curl --tftp-blksize 1468 fetches 40 MB byte-exact", async () => {
    expect(await fetched("big.bin", "curl-big.out", curl("big.bin", "curl-big.out"))).toBeGreaterThan(0);
  }, 90_000);

  it("atftp with blksize 1468, tsize and windowsize 16 fetches 40 MB byte-exact", async () => {
    expect(await fetched("big.bin", "atftp-big.out", atftp("big.bin", "atftp-big.out"))).toBeGreaterThan(0);
  }, 90_000);

  it("atftp at the default 512-byte blocks fetches 40 MB byte-exact across the block-number wrap (81,921 blocks)", async () => {
    const argv = ["atftp", "--get", "-r", "big.bin", "-l", join(dir, "atftp-512.out"), "--option", "windowsize 16", SERVER, String(port)];
    expect(await fetched("big.bin", "atftp-512.out", argv)).toBeGreaterThan(0);
  }, 90_000);

  it("curl and atftp get ERROR 1 for a missing file and ERROR 2 for a path out of the root", async () => {
    // curl exits 68 (CURLE_TFTP_NOTFOUND) on ERROR 1.
    const curlErr = await net.exec(cli, ["curl", "-sS", "--max-time", "10", "-o", "/dev/null", `tftp://${SERVER}:${port}/nope.bin`]).then(() => undefined, (e: Error) => e);
    expect((curlErr?.cause as { code?: number } | undefined)?.code).toBe(68);
    await expect(net.exec(cli, ["atftp", "--get", "-r", "../../etc/passwd", "-l", join(dir, "x.out"), SERVER, String(port)])).rejects.toThrow(/access violation/i);
  }, 30_000);

  describe("with 5% of the server's packets dropped at the client", () => {
    beforeAll(async () => {
      // Input hook in the client namespace: drops ~5% of UDP from the server (OACK, DATA, ERROR),
      // whatever the port, so the transfer ports are hit too. The counter proves drops happened.
      for (const argv of [
        ["nft", "add", "table", "inet", "loss"],
        ["nft", "add", "chain", "inet", "loss", "in", "{ type filter hook input priority 0; policy accept; }"],
        ["nft", "add", "rule", "inet", "loss", "in", "ip", "saddr", SERVER, "meta", "l4proto", "udp", "numgen", "random", "mod", "100", "<", "5", "counter", "drop"],
      ]) await net.exec(cli, argv);
    });

    const dropped = async () => Number(/packets (\d+)/.exec(await net.exec(cli, ["nft", "list", "chain", "inet", "loss", "in"]))?.[1] ?? 0);

    it.each([
      ["curl", curl],
      ["atftp", atftp],
    ] as const)("%s still fetches 1.5 MB byte-exact", async (client, argv) => {
      const before = await dropped();
      await fetched("small.bin", `${client}-loss.out`, argv("small.bin", `${client}-loss.out`));
      expect(await dropped()).toBeGreaterThan(before); // the rule really dropped packets
    }, 90_000);
  });
});
