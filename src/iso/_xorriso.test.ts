import { describe, expect, it } from "vitest";
import { bootSetup, catalogArgv, extractAllArgv, parseCatalog, parseMkisofsReport, parseProgress, reportArgv, splitWords, writeArgv } from "./_xorriso.js";

// What xorriso 1.5.4 reports for a debian-cd style netinst (isohybrid MBR, isolinux, efi.img).
const NETINST_REPORT = `-V 'Debian 12.8.0 amd64 n'
--modification-date='2024110912155200'
-isohybrid-mbr --interval:local_fs:0s-15s:zero_mbrpt,zero_gpt:'/srv/debian-12.8.0-amd64-netinst.iso'
-partition_cyl_align on
-partition_offset 0
-partition_hd_cyl 64
-partition_sec_hd 32
--mbr-force-bootable
-apm-block-size 2048
-iso_mbr_part_type 0x00
-c '/isolinux/boot.cat'
-b '/isolinux/isolinux.bin'
-no-emul-boot
-boot-load-size 4
-boot-info-table
-eltorito-alt-boot
-e '/boot/grub/efi.img'
-no-emul-boot
-boot-load-size 8128
-isohybrid-gpt-basdat
-isohybrid-apm-hfsplus
`;

// A GRUB-only layout (grub-mkrescue style), with the EFI image in an appended partition.
const GRUB2_REPORT = `-V 'ISOIMAGE'
--grub2-mbr --interval:local_fs:0s-15s:zero_mbrpt,zero_gpt,zero_apm:'/tmp/it'"'"'s.iso'
--protective-msdos-label
-partition_offset 16
-append_partition 2 0xef --interval:local_fs:2892d-8651d::'/tmp/it'"'"'s.iso'
-appended_part_as_gpt
-c '/boot.catalog'
-b '/boot/grub/i386-pc/eltorito.img'
-no-emul-boot
-boot-load-size 4
-boot-info-table
--grub2-boot-info
-eltorito-alt-boot
-e '--interval:appended_partition_2_start_723s_size_5760d:all::'
-no-emul-boot
-boot-load-size 5760
`;

describe("xorriso argv builders", () => {
  it.each([
    ["report", reportArgv("/srv/a b.iso"), ["-indev", "/srv/a b.iso", "-report_el_torito", "as_mkisofs"]],
    ["catalog", catalogArgv("x.iso"), ["-indev", "x.iso", "-report_el_torito", "plain"]],
    ["extract", extractAllArgv("x.iso", "/tmp/t"), ["-osirrox", "on", "-indev", "x.iso", "-extract", "/", "/tmp/t"]],
    ["write", writeArgv({ out: "o.iso", tree: "/t", boot: ["-V", "v", "-b", "/isolinux/isolinux.bin"] }),
      ["-as", "mkisofs", "-o", "o.iso", "-V", "v", "-b", "/isolinux/isolinux.bin", "-r", "-J", "-joliet-long", "/t"]],
  ])("%s", (_name, argv, expected) => {
    expect(argv).toEqual(expected);
  });
});

describe("splitWords", () => {
  it.each([
    ["-V 'Debian 12 amd64 n'", ["-V", "Debian 12 amd64 n"]],
    ["--modification-date='2024110912155200'", ["--modification-date=2024110912155200"]],
    [`x:'/tmp/it'"'"'s.iso'`, ["x:/tmp/it's.iso"]],
    [`"a \\"b\\"" c\\ d`, ['a "b"', "c d"]],
    ["-e ''", ["-e", ""]],
    ["  -no-emul-boot  ", ["-no-emul-boot"]],
  ])("%s", (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });

  it("refuses an unbalanced quote", () => {
    expect(() => splitWords("-V 'open")).toThrow(/unbalanced/);
  });
});

describe("parseMkisofsReport and bootSetup", () => {
  it("reads a debian-cd netinst", () => {
    const options = parseMkisofsReport(`xorriso 1.5.4 : RockRidge filesystem manipulator\n\n${NETINST_REPORT}`);
    expect(options.slice(0, 3)).toEqual(["-V", "Debian 12.8.0 amd64 n", "--modification-date=2024110912155200"]);
    expect(options).toContain("--interval:local_fs:0s-15s:zero_mbrpt,zero_gpt:/srv/debian-12.8.0-amd64-netinst.iso");
    expect(bootSetup(options)).toEqual({
      volumeId: "Debian 12.8.0 amd64 n", bios: "/isolinux/isolinux.bin", efi: "/boot/grub/efi.img", catalog: "/isolinux/boot.cat", hybrid: true,
    });
  });

  it("reads a GRUB-only image with an appended EFI partition", () => {
    const setup = bootSetup(parseMkisofsReport(GRUB2_REPORT));
    expect(setup).toMatchObject({ bios: "/boot/grub/i386-pc/eltorito.img", efi: "--interval:appended_partition_2_start_723s_size_5760d:all::", hybrid: true });
  });

  it.each([
    ["no boot record at all", "", {}],
    ["BIOS only, no MBR", "-V 'CD'\n-b 'isolinux/isolinux.bin'\n-c boot.cat\n", { bios: "/isolinux/isolinux.bin", hybrid: false }],
  ])("%s", (_name, report, expected) => {
    expect(bootSetup(parseMkisofsReport(report))).toMatchObject(expected);
    if (!report) expect(bootSetup([])).toEqual({ hybrid: false });
  });
});

describe("parseCatalog", () => {
  it("lists the BIOS and UEFI entries with their paths", () => {
    const text = `El Torito catalog  : 67  1
El Torito cat path : /isolinux/boot.cat
El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA
El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        1508
El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          68
El Torito img path :   1  /isolinux/isolinux.bin
El Torito img opts :   1  boot-info-table isohybrid-suitable
El Torito img path :   2  /boot/grub/efi.img
`;
    expect(parseCatalog(text)).toEqual([
      { index: 1, platform: "BIOS", path: "/isolinux/isolinux.bin" },
      { index: 2, platform: "UEFI", path: "/boot/grub/efi.img" },
    ]);
    expect(parseCatalog("no El Torito here")).toEqual([]);
  });
});

describe("parseProgress", () => {
  it.each([
    ["xorriso : UPDATE :  41.27% done, estimate finish Sat Nov 23 01:40:02 2024", 41.27],
    ["xorriso : UPDATE :  100.00% done", 100],
    ["xorriso : UPDATE : 5% done", 5],
    ["xorriso : NOTE : Writing to 'stdio:o.iso' completed successfully.", undefined],
    ["xorriso : UPDATE :     325 nodes read in 1 seconds", undefined],
  ])("%s", (line, pct) => {
    expect(parseProgress(line)).toBe(pct);
  });
});
