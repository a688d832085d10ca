import { describe, expect, it } from "vitest";
import { autoArgs, findInstallerEntry, grubWithAutomated, isolinuxEntry, isolinuxWithAutomated, withoutMenuDefault } from "./_menus.js";

// The head of a netinst's boot/grub/grub.cfg (Debian 12).
const GRUB = `if loadfont $font ; then
  set gfxmode=800x600
fi
set timeout=30
insmod play
menuentry --hotkey=g 'Graphical install' {
    set background_color=black
    linux    /install.amd/vmlinuz vga=788 --- quiet
    initrd   /install.amd/gtk/initrd.gz
}
menuentry --hotkey=i 'Install' {
    set background_color=black
    linux    /install.amd/vmlinuz vga=788 --- quiet
    initrd   /install.amd/initrd.gz
}
submenu --hotkey=a 'Advanced options ...' {
    menuentry '... Expert install' {
        linux    /install.amd/vmlinuz priority=low vga=788 ---
        initrd   /install.amd/initrd.gz
    }
}
`;

const ISOLINUX = `# D-I config version 2.0
# search path for the c32 support libraries (libcom32, libutil etc.)
path 
include menu.cfg
default vesamenu.c32
prompt 0
timeout 0
`;

const auto = { kernel: "/install.amd/vmlinuz", initrd: "/install.amd/maekin/initrd.gz", args: autoArgs("console=tty0 console=ttyS0,115200n8") };

describe("findInstallerEntry", () => {
  it.each([
    ["a netinst (graphical first)", GRUB, { title: "Install", kernel: "/install.amd/vmlinuz", initrd: "/install.amd/initrd.gz" }],
    ["double quotes and linuxefi", `menuentry "Install" {\n linuxefi /k x\n initrdefi /i.gz\n}\n`, { title: "Install", kernel: "/k", initrd: "/i.gz" }],
    ["graphical only", GRUB.split("menuentry --hotkey=i")[0]!, undefined],
    ["no entries", "set timeout=5\n", undefined],
  ])("%s", (_name, cfg, expected) => {
    expect(findInstallerEntry(cfg)).toEqual(expected);
  });
});

describe("grubWithAutomated", () => {
  const out = grubWithAutomated(GRUB, auto);

  it("puts the automated entry first, as default, with a 5 s timeout", () => {
    expect(out).toMatch(/set timeout=5\nset default=maekin-auto\nmenuentry 'Automated install \(maekin master\)' --id maekin-auto \{\n/);
    expect(out.indexOf("maekin-auto")).toBeLessThan(out.indexOf("'Graphical install'"));
    expect(out).toContain("linux    /install.amd/vmlinuz auto=true priority=critical console=tty0 console=ttyS0,115200n8 --- console=tty0 console=ttyS0,115200n8\n");
    expect(out).toContain("initrd   /install.amd/maekin/initrd.gz\n");
  });

  it("drops the source's own top-level default and timeout, and keeps every original entry", () => {
    expect(out).not.toContain("set timeout=30");
    expect(out).toContain("  set gfxmode=800x600");
    expect(out.replace(/set timeout=5\nset default=maekin-auto\nmenuentry 'Automated[\s\S]*?\n\}\n/, "")).toBe(GRUB.replace("set timeout=30\n", ""));
  });

  it("appends when there is no entry to go before", () => {
    expect(grubWithAutomated("insmod play", auto)).toMatch(/^insmod play\nset timeout=5\n/);
  });
});

describe("isolinux", () => {
  it("includes the entry before the menus and times out after 5 s", () => {
    expect(isolinuxWithAutomated(ISOLINUX, "maekin.cfg")).toBe(ISOLINUX.replace("include menu.cfg", "include maekin.cfg\ninclude menu.cfg").replace("timeout 0", "timeout 50"));
  });

  it.each([
    ["no timeout, no include", "default vesamenu.c32\n", "default vesamenu.c32\ntimeout 50\ninclude maekin.cfg\n"],
    ["TIMEOUT in capitals", "TIMEOUT 300\nINCLUDE menu.cfg", "timeout 50\ninclude maekin.cfg\nINCLUDE menu.cfg"],
  ])("%s", (_name, cfg, expected) => {
    expect(isolinuxWithAutomated(cfg, "maekin.cfg")).toBe(expected);
  });

  it("writes a default entry with the new initrd", () => {
    expect(isolinuxEntry(auto)).toBe(`label maekin-auto
\tmenu label ^Automated install (maekin master)
\tmenu default
\tkernel /install.amd/vmlinuz
\tappend initrd=/install.amd/maekin/initrd.gz ${auto.args}
`);
  });

  it("takes menu default off the source's entries", () => {
    expect(withoutMenuDefault("label installgui\n\tmenu label ^Graphical install\n\tmenu default\n\tkernel x\n")).toBe("label installgui\n\tmenu label ^Graphical install\n\tkernel x\n");
  });
});
