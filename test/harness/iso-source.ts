// A small stand-in for a Debian netinst ISO, made from the installer's netboot files: the same
// layout (install.amd/, isolinux/, boot/grub/ with an EFI El Torito image) and the same boot
// set-up as debian-cd (isohybrid MBR, BIOS isolinux entry, UEFI entry, GPT for USB sticks).
import { copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { sh } from "./netns.js";

/** Where Debian's packages put the pieces. */
export const SOURCE_PARTS = {
  di: "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64",
  isolinux: "/usr/lib/ISOLINUX",
  syslinuxModules: "/usr/lib/syslinux/modules/bios",
  grubModules: "/usr/lib/grub/x86_64-efi",
} as const;

const TOOLS = [
  ["xorriso", "xorriso"], ["grub-mkimage", "grub-common"], ["mformat", "mtools"], ["mcopy", "mtools"],
] as const;

/** Why the source ISO cannot be made here, or undefined when it can. */
export async function isoSourceUnavailable(): Promise<string | undefined> {
  for (const [cmd, pkg] of TOOLS) {
    const found = await sh(["sh", "-c", `command -v ${cmd}`]).then(() => true, () => false);
    if (!found) return `${cmd} is missing (apt-get install ${pkg})`;
  }
  const files = [
    `${SOURCE_PARTS.di}/linux`, `${SOURCE_PARTS.di}/initrd.gz`, `${SOURCE_PARTS.isolinux}/isolinux.bin`,
    `${SOURCE_PARTS.isolinux}/isohdpfx.bin`, `${SOURCE_PARTS.syslinuxModules}/ldlinux.c32`, `${SOURCE_PARTS.grubModules}/linux.mod`,
  ];
  for (const f of files) {
    if (!(await access(f, constants.R_OK).then(() => true, () => false))) {
      return `${f} is missing (apt-get install debian-installer-12-netboot-amd64 isolinux syslinux-common grub-efi-amd64-bin)`;
    }
  }
  return undefined;
}

/** Rewrites the netboot menus' paths to a netinst's (kernel and initrd in /install.amd, menus in /isolinux). */
export function netinstPaths(text: string): string {
  return text
    .replaceAll("debian-installer/amd64/boot-screens/", "")
    .replaceAll("/debian-installer/amd64/linux", "/install.amd/vmlinuz")
    .replaceAll("debian-installer/amd64/linux", "/install.amd/vmlinuz")
    .replaceAll("/debian-installer/amd64/initrd.gz", "/install.amd/initrd.gz")
    .replaceAll("debian-installer/amd64/initrd.gz", "/install.amd/initrd.gz")
    .replace(/^path\s*$/m, "path ");
}

// GRUB in the EFI image finds the ISO by a file only it has, then reads the ISO's menu,
// as Debian's efi.img does (its grub.cfg searches for /.disk/id/<uuid>).
const EARLY_GRUB = `search --no-floppy --file --set=root /.disk/maekin-test-source
set prefix=($root)/boot/grub
configfile $prefix/grub.cfg
`;
const GRUB_MODULES = ["part_gpt", "part_msdos", "fat", "iso9660", "search", "search_fs_file", "configfile", "normal", "linux", "echo", "test", "all_video", "gfxterm", "font", "png", "play", "efi_gop", "serial", "terminal"];

/** Builds the source ISO at `out` (using `work` as scratch) and returns `out`. */
export async function buildSourceIso(work: string, out: string): Promise<string> {
  const tree = join(work, "tree");
  await rm(tree, { recursive: true, force: true });
  for (const dir of ["install.amd", "isolinux", "boot/grub", ".disk"]) await mkdir(join(tree, dir), { recursive: true });
  await copyFile(`${SOURCE_PARTS.di}/linux`, join(tree, "install.amd", "vmlinuz"));
  await copyFile(`${SOURCE_PARTS.di}/initrd.gz`, join(tree, "install.amd", "initrd.gz"));
  await writeFile(join(tree, ".disk", "info"), 'Debian GNU/Linux 12 "Bookworm" - maekin test source amd64 NETINST\n');
  await writeFile(join(tree, ".disk", "maekin-test-source"), "");

  // BIOS: isolinux with Debian's menus, paths made netinst-like.
  await copyFile(`${SOURCE_PARTS.isolinux}/isolinux.bin`, join(tree, "isolinux", "isolinux.bin"));
  for (const m of ["ldlinux.c32", "libcom32.c32", "libutil.c32", "vesamenu.c32"]) {
    await copyFile(join(SOURCE_PARTS.syslinuxModules, m), join(tree, "isolinux", m));
  }
  const screens = join(SOURCE_PARTS.di, "boot-screens");
  for (const f of await readdir(screens)) {
    if (!f.endsWith(".cfg") && !f.endsWith(".txt") && f !== "splash.png") continue;
    const target = join(tree, "isolinux", f === "syslinux.cfg" ? "isolinux.cfg" : f);
    if (f.endsWith(".png")) await copyFile(join(screens, f), target);
    else await writeFile(target, netinstPaths(await readFile(join(screens, f), "utf8")));
  }

  // UEFI: GRUB's menu and modules on the ISO, an EFI System image with bootx64.efi.
  await writeFile(join(tree, "boot", "grub", "grub.cfg"), netinstPaths(await readFile(join(SOURCE_PARTS.di, "grub", "grub.cfg"), "utf8")));
  await copyFile(join(SOURCE_PARTS.di, "grub", "font.pf2"), join(tree, "boot", "grub", "font.pf2"));
  await cp(SOURCE_PARTS.grubModules, join(tree, "boot", "grub", "x86_64-efi"), { recursive: true });
  await writeFile(join(work, "early.cfg"), EARLY_GRUB);
  const efi = join(work, "bootx64.efi");
  await sh(["grub-mkimage", "-O", "x86_64-efi", "-o", efi, "-p", "/boot/grub", "-c", join(work, "early.cfg"), ...GRUB_MODULES]);
  const img = join(tree, "boot", "grub", "efi.img");
  await rm(img, { force: true });
  await sh(["mformat", "-i", img, "-C", "-f", "2880", "-v", "EFIBOOT", "::"]);
  await sh(["mmd", "-i", img, "::/EFI", "::/EFI/boot"]);
  await sh(["mcopy", "-i", img, efi, "::/EFI/boot/bootx64.efi"]);

  await rm(out, { force: true });
  await sh([
    "xorriso", "-as", "mkisofs", "-quiet", "-r", "-J", "-joliet-long", "-V", "Debian 12 maekin test",
    "-o", out,
    "-isohybrid-mbr", `${SOURCE_PARTS.isolinux}/isohdpfx.bin`,
    "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
    "-eltorito-alt-boot", "-e", "boot/grub/efi.img", "-no-emul-boot", "-isohybrid-gpt-basdat",
    tree,
  ], 120_000);
  return out;
}
