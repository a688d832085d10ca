// The mirror's pure parts as tables: control data, indexes and Release, the closure plan,
// apt's download names (epochs), substitute selection and the keyring initrd.
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeCpio, encodeCpio } from "../iso/_cpio.js";
import { formatStanzas, parseRelations, parseStanzas, withFields, type Stanza } from "./_control.js";
import { aptDownloadName, componentRelease, digests, poolPath, suiteRelease, type SuiteInfo } from "./_index.js";
import { isOwnMirror } from "./_layout.js";
import { KEYRING_INITRD, keyringHook, keyringInitrd, readInstallerFacts } from "./_keyring.js";
import { baseSet, debRequests, neededClosure, parseSimulation, selectUdebs, unsatisfiable } from "./_plan.js";
import { substituteCandidates } from "./_substitute.js";

const pkg = (fields: Record<string, string>): Stanza => new Map(Object.entries({ Architecture: "amd64", Version: "1.0", ...fields }));
const names = (list: readonly Stanza[]) => list.map((s) => s.get("Package"));

describe("control data", () => {
  const text = "Package: a\nVersion: 1:2.0-1\nDescription: short\n line two\n .\n line four\n\nPackage: b\nVersion: 3\n";
  it("parses stanzas with continuation lines and formats them back", () => {
    const stanzas = parseStanzas(text);
    expect(stanzas).toHaveLength(2);
    expect(stanzas[0]!.get("Description")).toBe("short\n line two\n .\n line four");
    expect(formatStanzas(stanzas)).toBe(`${text}\n`);
    expect(parseStanzas(formatStanzas(stanzas))).toEqual(stanzas);
  });
  it("keeps multi-line fields that start on the next line (Release's SHA256)", () => {
    const [s] = parseStanzas("SHA256:\n abc 1 x\n def 2 y\n");
    expect(formatStanzas([s!])).toBe("SHA256:\n abc 1 x\n def 2 y\n\n");
  });
  it.each([
    ["no colon here\n", /line 1: "no colon here" is not "Field: value"/],
    [" continuation first\n", /line 1: a continuation line with no field/],
  ])("refuses %j", (bad, message) => {
    expect(() => parseStanzas(bad)).toThrow(message);
  });
  it.each([
    ["libc6 (>= 2.36), foo | bar:any, baz [amd64]", [["libc6"], ["foo", "bar"], ["baz"]]],
    ["", []],
    [undefined, []],
  ])("relations of %j", (value, want) => {
    expect(parseRelations(value)).toEqual(want);
  });
  it("replaces, adds and removes fields", () => {
    const s = withFields(pkg({ Package: "a", SHA1: "x" }), { SHA1: undefined, Size: "3", Version: "2" });
    expect([...s.keys()]).toEqual(["Architecture", "Version", "Package", "Size"]);
    expect(s.get("Version")).toBe("2");
  });
});

describe("indexes", () => {
  const info: SuiteInfo = {
    origin: "maekin", label: "l", suite: "oldstable", codename: "bookworm", version: "12.15", architectures: ["amd64"],
    components: ["main"], description: "d", date: new Date("2026-01-02T03:04:05Z"),
  };
  it("writes a Release that lists every index with size, MD5 and SHA256, sorted", () => {
    const files = [{ path: "main/z/Packages", data: Buffer.from("zz") }, { path: "main/a/Packages", data: Buffer.from("a") }];
    const text = suiteRelease(info, files);
    const [release] = parseStanzas(text);
    expect(release!.get("Codename")).toBe("bookworm");
    expect(release!.get("Suite")).toBe("oldstable");
    expect(release!.get("Date")).toBe("Fri, 02 Jan 2026 03:04:05 UTC");
    const sha = release!.get("SHA256")!.trim().split("\n").map((l) => l.trim().split(/\s+/));
    expect(sha).toEqual([[digests(Buffer.from("a")).sha256, "1", "main/a/Packages"], [digests(Buffer.from("zz")).sha256, "2", "main/z/Packages"]]);
    expect(release!.get("MD5Sum")).toContain("0cc175b9c0f1b6a831c399e269772661 1 main/a/Packages");
  });
  it("writes the per-component Release", () => {
    expect(componentRelease(info, "main", "amd64")).toBe("Archive: oldstable\nOrigin: maekin\nLabel: l\nVersion: 12.15\nComponent: main\nArchitecture: amd64\n");
  });
  it.each([
    ["libpcre3", "2:8.39-15", "amd64", "deb", "libpcre3_2%3a8.39-15_amd64.deb"],
    ["partman-base", "226", "amd64", "udeb", "partman-base_226_amd64.udeb"],
    ["apt-mirror-setup", "1:0.182", "all", "udeb", "apt-mirror-setup_1%3a0.182_all.udeb"],
  ] as const)("apt-get download names %s %s as %s", (name, version, arch, ext, want) => {
    expect(aptDownloadName(name, version, arch, ext)).toBe(want);
  });
  it.each([
    ["pcre3", "libpcre3-udeb", "2:8.39-15", "pool/main/p/pcre3/libpcre3-udeb_8.39-15_amd64.udeb"],
    ["libbsd", "libbsd0-udeb", "0.11.7-2", "pool/main/libb/libbsd/libbsd0-udeb_0.11.7-2_amd64.udeb"],
  ])("pool path of %s/%s %s has no epoch", (source, name, version, want) => {
    expect(poolPath(source, name, version, "amd64", "udeb")).toBe(want);
  });
});

describe("closure plan", () => {
  const debs = [
    pkg({ Package: "base-files", Priority: "required" }), pkg({ Package: "apt", Priority: "important" }),
    pkg({ Package: "vim", Priority: "optional" }), pkg({ Package: "chrony", Priority: "optional", Provides: "time-daemon" }),
    pkg({ Package: "linux-image-amd64" }), pkg({ Package: "grub-pc" }), pkg({ Package: "grub-efi-amd64" }), pkg({ Package: "usr-is-merged" }),
  ];
  it("takes required and important, and usr-is-merged, for debootstrap's base", () => {
    expect(baseSet(debs)).toEqual(["apt", "base-files", "usr-is-merged"]);
  });
  it("requests one boot loader per firmware and names what the archive lacks", () => {
    const r = debRequests(debs, ["chrony", "time-daemon", "no-such-package"]);
    expect(r.onTop.bios).toContain("grub-pc");
    expect(r.onTop.bios).not.toContain("grub-efi-amd64");
    expect(r.onTop.uefi).toContain("grub-efi-amd64");
    expect(r.onTop.uefi).toContain("time-daemon");
    expect(r.unknown).toContain("no-such-package");
    expect(r.unknown).not.toContain("chrony");
  });
  it("reads apt's simulation", () => {
    const out = "NOTE: This is only a simulation!\nInst libc6 (2.36-9+deb12u10 Debian:12.12/oldstable [amd64])\nInst apt [2.6.0] (2.6.1 Debian:12.12/oldstable [amd64])\nConf libc6 (2.36-9)\n";
    expect(parseSimulation(out)).toEqual([{ name: "libc6", version: "2.36-9+deb12u10" }, { name: "apt", version: "2.6.1" }]);
  });
  const udebs = [
    pkg({ Package: "partman-base", Priority: "standard", Depends: "libparted2-udeb, di-utils" }),
    pkg({ Package: "libparted2-udeb", Priority: "optional" }),
    pkg({ Package: "di-utils", Priority: "standard" }),
    pkg({ Package: "ext4-modules-6.1.0-50-amd64-di", Priority: "optional", "Kernel-Version": "6.1.0-50-amd64", Provides: "ext4-modules" }),
    pkg({ Package: "ext4-modules-6.1.0-47-amd64-di", Priority: "standard", "Kernel-Version": "6.1.0-47-amd64", Provides: "ext4-modules" }),
    pkg({ Package: "partman-ext3", Priority: "standard", Depends: "ext4-modules, e2fsprogs-udeb" }),
    pkg({ Package: "e2fsprogs-udeb", Priority: "optional" }),
    pkg({ Package: "network-console", Priority: "optional" }),
    pkg({ Package: "partman-auto-lvm", Priority: "optional" }),
  ];
  it("selects udebs as anna does: standard and up, the kernel's modules, dependencies, minus the initrd's", () => {
    const initrd = [pkg({ Package: "di-utils" })];
    expect(names(selectUdebs(udebs, initrd, "6.1.0-50-amd64"))).toEqual(
      ["e2fsprogs-udeb", "ext4-modules-6.1.0-50-amd64-di", "libparted2-udeb", "partman-auto-lvm", "partman-base", "partman-ext3"]);
  });
  it("follows needed udebs through virtual packages", () => {
    const sel = [
      pkg({ Package: "grub-installer", Depends: "os-prober" }), pkg({ Package: "os-prober-udeb", Provides: "os-prober", Depends: "grub-mount-udeb" }),
      pkg({ Package: "grub-mount-udeb" }), pkg({ Package: "partman-xfs" }),
    ];
    expect([...neededClosure(sel)].sort()).toEqual(["grub-installer", "grub-mount-udeb", "os-prober-udeb"]);
    expect([...neededClosure(sel, ["partman-xfs"])].sort()).toEqual(["grub-installer", "grub-mount-udeb", "os-prober-udeb", "partman-xfs"]);
  });
  it("leaves out udebs whose dependencies nothing satisfies, in cascade", () => {
    const index = [pkg({ Package: "a", Depends: "b" }), pkg({ Package: "b", Depends: "gone" }), pkg({ Package: "c", Depends: "d | in-initrd" })];
    expect(unsatisfiable(index, [pkg({ Package: "in-initrd" })])).toEqual(new Map([["b", "gone"], ["a", "b"]]));
  });
});

describe("substitute selection", () => {
  const debs = new Map([
    ["e2fsprogs", pkg({ Package: "e2fsprogs", Version: "1.47.0-2+b2", Source: "e2fsprogs (1.47.0-2)", "Pre-Depends": "libc6, libext2fs2, libblkid1" })],
    ["libext2fs2", pkg({ Package: "libext2fs2", Version: "1.47.0-2+b2", Source: "e2fsprogs (1.47.0-2)" })],
    ["libblkid1", pkg({ Package: "libblkid1", Version: "2.38", Source: "util-linux" })],
    ["libc6", pkg({ Package: "libc6", Version: "2.36", Source: "glibc" })],
    ["user-setup", pkg({ Package: "user-setup", Version: "1.95", Architecture: "all" })],
    ["libparted2", pkg({ Package: "libparted2", Version: "3.5-3", Source: "parted" })],
  ]);
  const udebNames = new Set(["libblkid1-udeb", "libc6-udeb"]);
  const next = new Map([["partman-ext3", pkg({ Package: "partman-ext3", Version: "119", Architecture: "all" })], ["user-setup-udeb", pkg({ Package: "user-setup-udeb", Version: "1.107" })]]);
  it.each([
    ["e2fsprogs-udeb repacks e2fsprogs with its same-build library", pkg({ Package: "e2fsprogs-udeb", Version: "1.47.0-2+b2", Source: "e2fsprogs (1.47.0-2)" }), ["repack:e2fsprogs+libext2fs2"]],
    ["partman-ext3 has no deb: the next release's", pkg({ Package: "partman-ext3", Version: "112" }), ["next-release:119"]],
    ["an installer component is never repacked", pkg({ Package: "user-setup-udeb", Version: "1.95", Source: "user-setup", "Installer-Menu-Item": "6400" }), ["next-release:1.107"]],
    ["another version of the deb is not the same build", pkg({ Package: "libparted2-udeb", Version: "3.5-4", Source: "parted" }), []],
    ["nothing anywhere", pkg({ Package: "partman-lvm", Version: "150" }), []],
  ])("%s", (_name, udeb, want) => {
    const got = substituteCandidates(udeb, debs, udebNames, next).map((c) => c.kind === "repack"
      ? `repack:${c.debs.map((d) => d.get("Package")).join("+")}` : `next-release:${c.udeb.get("Version")}`);
    expect(got).toEqual(want);
  });
});

describe("keyring initrd", () => {
  const initrd = gzipSync(encodeCpio([
    { name: "lib/modules/6.1.0-50-amd64" }, { name: "lib/modules/6.1.0-50-amd64/kernel/x.ko", data: "ko" },
    { name: "var/lib/dpkg/status", data: "Package: anna\nVersion: 1\nArchitecture: amd64\nStatus: install ok installed\n\n" },
    { name: "usr/share/keyrings/debian-archive-keyring.gpg", data: "DEBIANKEYS" },
  ]));
  it("reads the kernel ABI, the installed udebs and the keyring from the installer's initrd", () => {
    const facts = readInstallerFacts(initrd);
    expect(facts.kernelAbi).toBe("6.1.0-50-amd64");
    expect(names(facts.status)).toEqual(["anna"]);
    expect(facts.archiveKeyring.toString()).toBe("DEBIANKEYS");
  });
  it.each([
    ["not gzip", Buffer.from("hello"), /not a gzip'd cpio initrd/],
    ["two kernels", gzipSync(encodeCpio([{ name: "lib/modules/a/x", data: "" }, { name: "lib/modules/b/x", data: "" }])), /one kernel under lib\/modules\/, found 2/],
    ["no keyring", gzipSync(encodeCpio([{ name: "lib/modules/a/x", data: "" }])), /lacks var\/lib\/dpkg\/status or the Debian archive keyring/],
  ])("refuses an initrd with %s", (_name, data, message) => {
    expect(() => readInstallerFacts(data)).toThrow(message);
  });
  it("puts Debian's keys plus ours in archive.gpg, our key apart, and an executable hook", () => {
    const entries = decodeCpio(gunzipSync(keyringInitrd(Buffer.from("DEBIANKEYS"), Buffer.from("OURKEY"))));
    const file = (name: string) => entries.find((e) => e.name === name);
    expect(file(KEYRING_INITRD.archive)!.data.toString()).toBe("DEBIANKEYSOURKEY");
    expect(file(KEYRING_INITRD.ours)!.data.toString()).toBe("OURKEY");
    expect(file(KEYRING_INITRD.hook)!.mode & 0o777).toBe(0o755);
    expect(file(KEYRING_INITRD.hook)!.data.toString()).toBe(keyringHook());
    expect(keyringHook()).toContain("cp /usr/share/keyrings/maekin-archive.gpg /target/etc/apt/trusted.gpg.d/maekin-archive.gpg");
    expect(entries.findIndex((e) => e.name === "usr/lib/base-installer.d")).toBeLessThan(entries.findIndex((e) => e.name === KEYRING_INITRD.hook));
  });
  it("refuses an empty key", () => {
    expect(() => keyringInitrd(Buffer.from("x"), Buffer.alloc(0))).toThrow(/public key is empty/);
  });
});

describe("own mirror", () => {
  it.each([
    ["http://10.77.0.1:8080/mirror/debian", true],
    ["http://10.77.0.1:8080/mirror/debian/", true],
    ["http://deb.debian.org/debian", false],
    ["http://10.77.0.2:8080/mirror/debian", false],
  ])("%s -> %s", (url, own) => {
    expect(isOwnMirror(url, "http://10.77.0.1:8080")).toBe(own);
  });
});
