// What the mirror must hold, decided from the archive's indexes and the installer's initrd.
// Pure: stanzas in, package names out. apt resolves the debs' dependencies (see _apt.ts); the
// udebs are chosen here the way anna chooses them.
import { packageId, parseRelations, type Stanza } from "./_control.js";

/**
 * Debs the installer puts in the target besides debootstrap's base and the profile's packages:
 * the kernel, both boot loaders (d-i picks grub-pc or the EFI set at install time; with
 * force-efi-extra-removable it installs the signed grub and shim too), and what d-i's own
 * components apt-install (locales, console set-up, hardware detection, tasksel, os-prober, ...).
 * Names missing from the archive are dropped with a note, so the list may be generous.
 */
export const INSTALLER_DEBS: Readonly<Record<"common" | "bios" | "uefi", readonly string[]>> = {
  common: [
    "usr-is-merged", "linux-image-amd64", "initramfs-tools", "busybox", "zstd", "locales", "console-setup", "keyboard-configuration",
    "kbd", "os-prober", "tasksel", "tasksel-data", "popularity-contest", "discover", "laptop-detect", "pciutils", "usbutils", "eject",
    "installation-report", "dosfstools", "lvm2", "ca-certificates", "dmidecode", "apt-transport-https", "grub-common", "grub2-common",
  ],
  bios: ["grub-pc"],
  uefi: ["grub-efi-amd64", "grub-efi-amd64-signed", "shim-signed", "efibootmgr", "mokutil"],
};

/** Names of the packages debootstrap installs on its own: Priority required and important (and usr-is-merged, which it needs since bookworm). */
export function baseSet(packages: readonly Stanza[]): string[] {
  const names = packages.filter((p) => ["required", "important"].includes(p.get("Priority") ?? "")).map((p) => p.get("Package")!);
  return [...new Set([...names, "usr-is-merged"])].sort();
}

/** The apt requests that together give the debs' closure: the base alone, then on top of it each boot loader with the rest. */
export interface DebRequests {
  readonly base: readonly string[];
  /** Requested with the base marked installed, once per firmware. */
  readonly onTop: Readonly<Record<"bios" | "uefi", readonly string[]>>;
  /** Requested names the archive does not have (named in the log, not fatal). */
  readonly unknown: readonly string[];
}

/** The deb requests for a set of profile packages, keeping only names the archive knows (or provides). */
export function debRequests(packages: readonly Stanza[], profilePackages: readonly string[]): DebRequests {
  const known = new Set<string>();
  for (const p of packages) {
    known.add(p.get("Package")!);
    for (const [name] of parseRelations(p.get("Provides"))) known.add(name!);
  }
  const unknown = new Set<string>();
  const keep = (names: readonly string[]) => names.filter((n) => (known.has(n) ? true : (unknown.add(n), false)));
  const rest = keep([...INSTALLER_DEBS.common, ...profilePackages]);
  return {
    base: baseSet(packages),
    onTop: { bios: [...new Set([...rest, ...keep(INSTALLER_DEBS.bios)])], uefi: [...new Set([...rest, ...keep(INSTALLER_DEBS.uefi)])] },
    unknown: [...unknown].sort(),
  };
}

/** A package apt would install: `Inst name (version ...)` of `apt-get -s install`. */
export interface AptInst {
  readonly name: string;
  readonly version: string;
}

/** The packages an `apt-get --simulate install` would unpack. */
export function parseSimulation(output: string): AptInst[] {
  const out: AptInst[] = [];
  for (const line of output.split("\n")) {
    const match = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /.exec(line);
    if (match) out.push({ name: match[1]!, version: match[2]! });
  }
  return out;
}

/**
 * Udebs that d-i components fetch on demand with anna-install rather than by priority: partman-auto
 * asks for the LVM and encrypted-LVM methods whenever it starts (seen in the lab's syslog), and
 * the LVM layout needs them.
 */
export const ON_DEMAND_UDEBS: readonly string[] = ["partman-auto-lvm", "partman-auto-crypto", "partman-lvm", "lvm2-udeb"];

/** The LVM layout's udebs: needed (a sync fails without them) when a Debian profile uses `disk.layout: lvm`. */
export const LVM_UDEBS: readonly string[] = ["partman-auto-lvm", "partman-lvm", "lvm2-udeb"];

/**
 * Udebs the installer may fetch beyond what its initrd holds, as anna picks them: every udeb of
 * priority standard or higher, every kernel-module udeb of the installer's kernel, the on-demand ones, and their
 * dependencies, minus what the initrd has installed already. Module udebs of other kernels are left out.
 */
export function selectUdebs(udebs: readonly Stanza[], initrdStatus: readonly Stanza[], kernelAbi: string): Stanza[] {
  const fits = (u: Stanza) => { const kv = u.get("Kernel-Version"); return kv === undefined || kv === kernelAbi; };
  const byName = new Map<string, Stanza>();
  const providers = new Map<string, string>();
  for (const u of udebs.filter(fits)) {
    const { name } = packageId(u);
    byName.set(name, u);
    for (const [p] of parseRelations(u.get("Provides"))) if (!providers.has(p!)) providers.set(p!, name);
  }
  const present = new Set<string>();
  for (const s of initrdStatus) {
    present.add(s.get("Package")!);
    for (const [p] of parseRelations(s.get("Provides"))) present.add(p!);
  }
  const wanted = [...byName.values()].filter((u) => ["required", "important", "standard"].includes(u.get("Priority") ?? "") ||
    u.get("Kernel-Version") === kernelAbi || ON_DEMAND_UDEBS.includes(u.get("Package")!));
  const chosen = new Map<string, Stanza>();
  const todo = wanted.map((u) => u.get("Package")!);
  while (todo.length > 0) {
    const want = todo.pop()!;
    const name = byName.has(want) ? want : providers.get(want);
    if (name === undefined || present.has(want) || present.has(name) || chosen.has(name)) continue;
    const u = byName.get(name)!;
    chosen.set(name, u);
    for (const rel of [...parseRelations(u.get("Pre-Depends")), ...parseRelations(u.get("Depends"))]) {
      if (rel.some((alt) => chosen.has(alt) || present.has(alt))) continue;
      todo.push(rel[0]!);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.get("Package")! < b.get("Package")! ? -1 : 1));
}

/**
 * Udebs an install with our preseed cannot do without (a plain or LVM layout on ext4, GRUB on
 * BIOS or UEFI, apt from the mirror): when one of these stays missing, `mirror sync` fails.
 * The other standard udebs (other file systems, RAID, iSCSI, Chromebook support) are named when
 * missing but do not fail it.
 */
export const NEEDED_UDEBS: readonly string[] = [
  "base-installer", "bootstrap-base", "debootstrap-udeb", "apt-setup-udeb", "apt-mirror-setup", "pkgsel", "finish-install",
  "grub-installer", "clock-setup", "tzsetup-udeb", "user-setup-udeb", "disk-detect", "partman-base", "partman-utils", "partman-auto",
  "partman-partitioning", "partman-basicfilesystems", "partman-basicmethods", "partman-ext3", "partman-efi", "partman-target",
  "e2fsprogs-udeb", "dosfstools-udeb", "libparted2-udeb", "libparted-fs-resize0-udeb", "parted-udeb",
];

/** The names of NEEDED_UDEBS in the selection and everything they depend on there: the only udebs the substitute step stands in for. */
export function neededClosure(selection: readonly Stanza[], extra: readonly string[] = []): Set<string> {
  const byName = new Map(selection.map((u) => [u.get("Package")!, u]));
  const providers = new Map<string, string[]>();
  for (const u of selection) for (const [p] of parseRelations(u.get("Provides"))) providers.set(p!, [...(providers.get(p!) ?? []), u.get("Package")!]);
  const needed = new Set<string>();
  const todo = [...NEEDED_UDEBS, ...extra].filter((n) => byName.has(n));
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    for (const rel of [...parseRelations(byName.get(name)!.get("Pre-Depends")), ...parseRelations(byName.get(name)!.get("Depends"))]) {
      for (const alt of rel) for (const n of byName.has(alt) ? [alt] : providers.get(alt) ?? []) if (!needed.has(n)) todo.push(n);
    }
  }
  return needed;
}

/**
 * Udebs of an index whose dependencies neither the index nor the initrd satisfy (repeated until
 * none is left): anna would stop on them, so they are left out and named, with the missing name.
 */
export function unsatisfiable(index: readonly Stanza[], initrdStatus: readonly Stanza[]): Map<string, string> {
  const provided = (set: readonly Stanza[]) => {
    const names = new Set<string>();
    for (const s of set) {
      names.add(s.get("Package")!);
      for (const [p] of parseRelations(s.get("Provides"))) names.add(p!);
    }
    return names;
  };
  const base = provided(initrdStatus);
  const out = new Map<string, string>();
  let current = [...index];
  for (;;) {
    const have = provided(current);
    const broken = current.filter((u) => {
      const rel = [...parseRelations(u.get("Pre-Depends")), ...parseRelations(u.get("Depends"))].find((r) => !r.some((a) => have.has(a) || base.has(a)));
      if (rel) out.set(u.get("Package")!, rel.join(" | "));
      return rel !== undefined;
    });
    if (broken.length === 0) return out;
    current = current.filter((u) => !broken.includes(u));
  }
}
