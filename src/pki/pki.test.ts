// The CA and node certificates, checked by the real openssl CLI rather than by the library that made them.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caPaths, ensureCa, ensureLibvirtClient, issueNodeCertificate, libvirtUri, type ClusterCa, type NodeCertificate } from "./index.js";

const run = promisify(execFile);

/** Runs openssl with an argv array; resolves with stdout, rejects with stderr in the message. */
async function openssl(...args: string[]): Promise<string> {
  return (await run("openssl", args)).stdout;
}

const missing = await openssl("version").then(() => undefined, (err: Error) => `openssl CLI not found (${err.message})`);
if (missing && process.env.CI) throw new Error(`CI must check certificates with openssl, but: ${missing}`);

const NOW = Date.UTC(2030, 0, 15, 12);
/** NOW for `openssl verify -attime` (seconds): the test certificates are valid from NOW - 1h. */
const AT = String(NOW / 1000);
const ID = { hostname: "node1", fqdn: "node1.lab.example", ip: "10.0.0.11" };

let dir: string;
let ca: ClusterCa;
let other: ClusterCa;
let issued: NodeCertificate;
let certFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "maekin-pki-"));
  ca = await ensureCa(join(dir, "a"), "lab", { clock: { now: () => NOW } });
  other = await ensureCa(join(dir, "b"), "lab");
  issued = await issueNodeCertificate(ca, ID, { clock: { now: () => NOW } });
  certFile = join(dir, "node1.pem");
  await writeFile(certFile, issued.certPem);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe.skipIf(missing)(`cluster CA${missing ? ` (skipped: ${missing})` : ""}`, () => {
  it("keeps its key 0600 in a 0700 dir, and its certificate world-readable", async () => {
    const paths = caPaths(join(dir, "a"));
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.cert)).mode & 0o777).toBe(0o644);
    expect((await readdir(paths.dir)).sort()).toEqual(["ca-cert.pem", "ca-key.pem"]);
  });

  it("is a CA certificate that may sign certificates", async () => {
    const text = await openssl("x509", "-in", ca.certPath, "-noout", "-text");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain("Subject: CN = maekin CA lab, O = lab");
    await expect(openssl("verify", "-attime", AT, "-CAfile", ca.certPath, ca.certPath)).resolves.toContain(": OK");
  });

  it("is reused on the next start, files untouched", async () => {
    const before = await readFile(ca.keyPath, "utf8");
    const again = await ensureCa(join(dir, "a"), "renamed");
    expect(again.certPem).toBe(ca.certPem);
    expect(again.serial).toBe(ca.serial);
    expect(await readFile(ca.keyPath, "utf8")).toBe(before);
  });

  it("refuses a certificate without its key, saying what to do", async () => {
    const d = join(dir, "c");
    const paths = caPaths(d);
    await mkdir(paths.dir, { recursive: true });
    await copyFile(ca.certPath, paths.cert);
    await expect(ensureCa(d, "lab")).rejects.toMatchObject({ code: "ca-incomplete", message: expect.stringMatching(/restore the key/) });
  });

  it("refuses a certificate that belongs to another key", async () => {
    const d = join(dir, "e");
    await mkdir(caPaths(d).dir, { recursive: true });
    await copyFile(other.keyPath, caPaths(d).key);
    await copyFile(ca.certPath, caPaths(d).cert);
    await expect(ensureCa(d, "lab")).rejects.toMatchObject({ code: "ca-invalid", message: expect.stringMatching(/does not belong/) });
  });

  it("rebuilds a lost certificate from the kept key; certificates issued before still verify", async () => {
    const d = join(dir, "d");
    await mkdir(caPaths(d).dir, { recursive: true });
    await copyFile(ca.keyPath, caPaths(d).key);
    const rebuilt = await ensureCa(d, "lab");
    expect(rebuilt.serial).not.toBe(ca.serial);
    await expect(openssl("verify", "-attime", AT, "-CAfile", rebuilt.certPath, certFile)).resolves.toContain(": OK");
  });
});

describe.skipIf(missing)("node certificate", () => {
  it("chains to the cluster CA for both TLS purposes, and to no other CA", async () => {
    for (const purpose of ["sslserver", "sslclient"]) {
      await expect(openssl("verify", "-purpose", purpose, "-attime", AT, "-CAfile", ca.certPath, certFile)).resolves.toContain(": OK");
    }
    await expect(openssl("verify", "-attime", AT, "-CAfile", other.certPath, certFile)).rejects.toThrow(/unable to get local issuer certificate/);
  });

  it("names the node in the SANs and CN with serverAuth, clientAuth and libvirt's key usage", async () => {
    const text = await openssl("x509", "-in", certFile, "-noout", "-text");
    expect(text).toContain("DNS:node1, DNS:node1.lab.example, IP Address:10.0.0.11");
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain("Subject: CN = node1.lab.example, O = lab");
    expect(text).toContain("Issuer: CN = maekin CA lab, O = lab");
  });

  it("carries the serial it reports, the clock's dates, and a key that matches it", async () => {
    expect(await openssl("x509", "-in", certFile, "-noout", "-serial")).toBe(`serial=${issued.serial.toUpperCase()}\n`);
    const dates = await openssl("x509", "-in", certFile, "-noout", "-startdate", "-enddate");
    expect(dates).toContain("notBefore=Jan 15 11:00:00 2030 GMT");
    expect(dates).toContain("notAfter=Jan 14 12:00:00 2033 GMT");
    const keyFile = join(dir, "node1.key");
    await writeFile(keyFile, issued.keyPem, { mode: 0o600 });
    expect(issued.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await openssl("pkey", "-in", keyFile, "-pubout")).toBe(await openssl("x509", "-in", certFile, "-noout", "-pubkey"));
  });

  it("carries the key identifiers that chain it, and an IPv6 SAN in 16 bytes", async () => {
    const text = await openssl("x509", "-in", certFile, "-noout", "-text");
    const caText = await openssl("x509", "-in", ca.certPath, "-noout", "-text");
    const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(caKeyId).toBeDefined();
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
    // SHA-1 of the public key bits (RFC 5280 4.2.1.2 method 1), as openssl computes it for "hash".
    const keyFile = join(dir, "ski.key");
    await writeFile(keyFile, issued.keyPem, { mode: 0o600 });
    const point = (await run("openssl", ["pkey", "-in", keyFile, "-pubout", "-outform", "DER"], { encoding: "buffer" })).stdout.subarray(-65);
    const ski = createHash("sha1").update(point).digest("hex").toUpperCase().match(/../g)!.join(":");
    expect(text).toMatch(new RegExp(`Subject Key Identifier:\\s+${ski}`));
    const v6 = await issueNodeCertificate(ca, { hostname: "node6", fqdn: "node6.lab.example", ip: "fd00:1::a:5" }, { clock: { now: () => NOW } });
    const v6File = join(dir, "node6.pem");
    await writeFile(v6File, v6.certPem);
    expect(await openssl("x509", "-in", v6File, "-noout", "-ext", "subjectAltName")).toContain("IP Address:FD00:1:0:0:0:0:A:5");
    await expect(openssl("verify", "-attime", AT, "-CAfile", ca.certPath, v6File)).resolves.toContain(": OK");
  });

  it("dates after 2049 as GeneralizedTime", async () => {
    const late = Date.UTC(2051, 5, 1);
    const lateCa = await ensureCa(join(dir, "late"), "lab", { clock: { now: () => late } });
    const cert = await issueNodeCertificate(lateCa, ID, { clock: { now: () => late } });
    const file = join(dir, "late.pem");
    await writeFile(file, cert.certPem);
    expect(await openssl("x509", "-in", file, "-noout", "-startdate")).toBe("notBefore=May 31 23:00:00 2051 GMT\n");
    await expect(openssl("verify", "-attime", String(late / 1000), "-CAfile", lateCa.certPath, file)).resolves.toContain(": OK");
  });

  it.each([
    ["a bad host name", { hostname: "node_1", fqdn: "node_1.lab", ip: "10.0.0.1" }, /hostname "node_1"/],
    ["an fqdn of another host", { hostname: "node1", fqdn: "node2.lab", ip: "10.0.0.1" }, /must be hostname "node1"/],
    ["a bare fqdn", { hostname: "node1", fqdn: "node1", ip: "10.0.0.1" }, /followed by the domain/],
    ["a bad address", { hostname: "node1", fqdn: "node1.lab", ip: "10.0.0" }, /ip "10.0.0"/],
  ])("refuses %s", async (_label, id, message) => {
    await expect(issueNodeCertificate(ca, id)).rejects.toMatchObject({ code: "invalid-argument", message: expect.stringMatching(message) });
  });
});

describe.skipIf(missing)("the master's libvirt client certificate", () => {
  it("lays out cacert/clientcert/clientkey for virsh's pkipath, keeps them, and follows a new CA", async () => {
    const state = join(dir, "client-state");
    // CAs on the wall clock: ensureLibvirtClient issues with it.
    const [first, second] = [other, await ensureCa(join(dir, "client-ca"), "lab")];
    const folder = await ensureLibvirtClient(state, first, { domain: "lab.example", ip: "10.0.0.1" });
    expect(libvirtUri(state, "node1.lab.example")).toBe(`qemu+tls://node1.lab.example/system?pkipath=${folder}`);
    expect((await readdir(folder)).sort()).toEqual(["cacert.pem", "clientcert.pem", "clientkey.pem"]);
    expect((await stat(join(folder, "clientkey.pem"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(folder, "cacert.pem"), "utf8")).toBe(first.certPem);
    await expect(openssl("verify", "-purpose", "sslclient", "-CAfile", first.certPath, join(folder, "clientcert.pem"))).resolves.toContain(": OK");
    const cert = await readFile(join(folder, "clientcert.pem"), "utf8");
    await ensureLibvirtClient(state, first, { domain: "lab.example", ip: "10.0.0.1" });
    expect(await readFile(join(folder, "clientcert.pem"), "utf8")).toBe(cert);
    await ensureLibvirtClient(state, second, { domain: "lab.example", ip: "10.0.0.1" });
    expect(await readFile(join(folder, "cacert.pem"), "utf8")).toBe(second.certPem);
    await expect(openssl("verify", "-purpose", "sslclient", "-CAfile", second.certPath, join(folder, "clientcert.pem"))).resolves.toContain(": OK");
  });
});
