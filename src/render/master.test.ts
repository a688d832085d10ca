// The master ISO's preseed, late script and unit: rendered from the shared example, checked by
// the real tools (debconf-set-selections, sh -n) and for the facts the install depends on.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/index.js";
import { createCluster } from "../model/cluster.js";
import { packageRoot } from "../model/paths.js";
import { checkPreseed, preseedScripts } from "./_check.js";
import { collectMasterVariables, createEngine, masterProfile, renderMasterFiles } from "./index.js";

const EXAMPLE = join(packageRoot, "..", "shared", "examples", "maekin.yaml");
const text = readFileSync(EXAMPLE, "utf8");
const clusterOf = (yaml: string) => {
  const { config, issues } = parseConfig(yaml, "maekin.yaml");
  if (!config) throw new Error(issues.map((i) => i.message).join("; "));
  return createCluster(config, { baseDir: dirname(EXAMPLE) });
};
const cluster = clusterOf(text);
const files = renderMasterFiles(createEngine(), cluster, { marker: "MAEKIN-PRESEED-OK", version: "0.1.0" });
const noDebconf = spawnSync("sh", ["-c", "command -v debconf-set-selections"]).status === 0 ? undefined : "debconf-set-selections is missing (apt-get install debconf)";

describe("the master's answer files", () => {
  it("preseed: no problems, marker first, late script from the initrd, maekin's packages", () => {
    expect(checkPreseed(files.preseed)).toEqual([]);
    expect(files.preseed).toMatch(/early_command string \\\n\s+echo MAEKIN-PRESEED-OK > \/dev\/ttyS0/);
    expect(files.preseed).toContain("d-i preseed/late_command string sh /maekin-master-late.sh /target /cdrom");
    expect(files.preseed).toMatch(/pkgsel\/include string .*\bnodejs\b.*\bbridge-utils\b|pkgsel\/include string .*\bbridge-utils\b.*\bnodejs\b/);
    expect(files.preseed).toContain("d-i netcfg/get_ipaddress string 10.77.0.1");
    expect(files.preseed).toContain("d-i netcfg/get_netmask string 255.255.255.0");
    // The example's mirror is the master itself: the master installs from Debian's.
    expect(files.preseed).toContain("d-i mirror/http/hostname string deb.debian.org");
    expect(files.preseed).toContain("passwd/root-password-crypted password $6$maekinlab$");
  });

  it.skipIf(noDebconf)(`preseed passes debconf-set-selections --checkonly${noDebconf ? ` (skipped: ${noDebconf})` : ""}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "maekin-master-"));
    try {
      writeFileSync(join(dir, "preseed.cfg"), files.preseed);
      const result = spawnSync("debconf-set-selections", ["--checkonly", join(dir, "preseed.cfg")], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, string]>([
    ["late script", files.late],
    ...preseedScripts(files.preseed).map((s): [string, string] => [s.where, s.body]),
  ])("%s parses (sh -n)", (_where, body) => {
    const result = spawnSync("sh", ["-n"], { input: body, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("late script: payload under /opt/maekin, config, bridge br-prov with the static address, unit enabled", () => {
    expect(files.late).toContain('chroot "$T" tar -xzf /tmp/maekin-payload.tar.gz -C /opt/maekin');
    expect(files.late).toContain('cp -R "$T/opt/maekin/config/." "$T/etc/maekin/"');
    expect(files.late).toContain('chmod 0600 "$T/etc/maekin/maekin.yaml"');
    expect(files.late).toContain("printf '\\nauto %s\\niface %s inet static\\n' 'br-prov' 'br-prov'");
    expect(files.late).toContain("echo '    address 10.77.0.1/24'");
    expect(files.late).toContain("net.core.rmem_max = 16777216"); // room for a storm's DHCP burst
    expect(files.late).toContain('chroot "$T" systemctl enable maekin-master.service');
    expect(files.late).toContain("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILP0Lh0MvW30YdMxAkAgeCmnLqNeFfqHoMBNsK6w1UPv admin@maekin-lab");
  });

  it("unit: maekin serve with the installed config and state dir", () => {
    expect(files.unit).toContain("ExecStart=/opt/maekin/node/bin/node /opt/maekin/bin/maekin.js serve -c /etc/maekin/maekin.yaml --state-dir /var/lib/maekin");
    expect(files.unit).toContain("WantedBy=multi-user.target");
  });
});

describe("collectMasterVariables", () => {
  it("uses the enroll profile, drops the master's own address from gateway and DNS", () => {
    const v = collectMasterVariables(cluster, { marker: "M", version: "1" });
    expect(v.profile.name).toBe("kvm-debian12");
    expect(v.master).toMatchObject({ hostname: "lab-master", interface: "br-prov", prefix: 24, gateway: "", dns: [] });
  });

  it("keeps an outside mirror and gateway", () => {
    const c = clusterOf(text.replace("debian: http://10.77.0.1:8080/mirror/debian", "debian: http://mirror.lan/debian/").replace("gateway: 10.77.0.1", "gateway: 10.77.0.254"));
    const v = collectMasterVariables(c, { marker: "M", version: "1" });
    expect(v.mirror).toMatchObject({ host: "mirror.lan", directory: "/debian", securityUpdates: false });
    expect(v.master.gateway).toBe("10.77.0.254");
  });

  it("needs a debian-12 profile", () => {
    const rockyOnly = clusterOf(text.replace(/ {2}kvm-debian12:\n(?: {4}.*\n)+/, "").replace(/profile: kvm-debian12/g, "profile: kvm-rocky9"));
    expect(masterProfile(rockyOnly)).toBeUndefined();
    expect(() => collectMasterVariables(rockyOnly, { marker: "M", version: "1" })).toThrow(/add a profile with os: debian-12/);
  });
});
