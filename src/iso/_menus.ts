// Pure edits of the source's boot menus: an "Automated install" entry becomes the default
// with a short timeout, in isolinux (BIOS) and GRUB (UEFI); the original entries stay.

/** The kernel and initrd of the installer's plain text-mode entry. */
export interface InstallerEntry {
  readonly title: string;
  readonly kernel: string;
  readonly initrd: string;
}

/** The automated entry as both boot loaders show it. */
export interface AutoEntry {
  readonly kernel: string;
  readonly initrd: string;
  /** Kernel command line, without the kernel itself. */
  readonly args: string;
}

/** Menu label of the added entry. */
export const AUTO_TITLE = "Automated install (maekin master)";
/** GRUB menu entry id and isolinux label of the added entry. */
export const AUTO_ID = "maekin-auto";
/** Seconds before the automated entry boots by itself. */
export const AUTO_TIMEOUT_S = 5;

/** The first GRUB menuentry with a text-mode installer (not the graphical gtk/ initrd), or undefined. */
export function findInstallerEntry(grubCfg: string): InstallerEntry | undefined {
  const entry = /^\s*menuentry\s+(?:--\S+\s+)*(['"])(.*?)\1[^{]*\{([\s\S]*?)^\s*\}/gm;
  for (const match of grubCfg.matchAll(entry)) {
    const body = match[3]!;
    const kernel = /^\s*linux(?:efi)?\s+(\S+)/m.exec(body)?.[1];
    const initrd = /^\s*initrd(?:efi)?\s+(\S+)/m.exec(body)?.[1];
    if (kernel && initrd && !initrd.includes("/gtk/")) return { title: match[2]!, kernel, initrd };
  }
  return undefined;
}

const topLevelSet = /^set\s+(default|timeout|timeout_style)=.*\n?/gm;

/** GRUB config with the automated entry first and default, a short timeout; other entries untouched. */
export function grubWithAutomated(grubCfg: string, auto: AutoEntry): string {
  const block = [
    `set timeout=${AUTO_TIMEOUT_S}`,
    `set default=${AUTO_ID}`,
    `menuentry '${AUTO_TITLE}' --id ${AUTO_ID} {`,
    "    set background_color=black",
    `    linux    ${auto.kernel} ${auto.args}`,
    `    initrd   ${auto.initrd}`,
    "}",
    "",
  ].join("\n");
  const text = grubCfg.replace(topLevelSet, "");
  const first = /^(menuentry|submenu)\b/m.exec(text);
  return first ? text.slice(0, first.index) + block + text.slice(first.index) : `${text.replace(/\n?$/, "\n")}${block}`;
}

/** The isolinux file with the automated entry (included from isolinux.cfg). */
export function isolinuxEntry(auto: AutoEntry): string {
  return [
    `label ${AUTO_ID}`,
    `\tmenu label ^${AUTO_TITLE}`,
    "\tmenu default",
    `\tkernel ${auto.kernel}`,
    `\tappend initrd=${auto.initrd} ${auto.args}`,
    "",
  ].join("\n");
}

/** isolinux.cfg that includes `file` before its own menus (so it is listed first) and times out after a few seconds. */
export function isolinuxWithAutomated(cfg: string, file: string): string {
  const timeout = `timeout ${AUTO_TIMEOUT_S * 10}`; // tenths of a second
  let text = /^[ \t]*timeout[ \t]+\d+[ \t]*$/im.test(cfg) ? cfg.replace(/^[ \t]*timeout[ \t]+\d+[ \t]*$/gim, timeout) : `${cfg.replace(/\n?$/, "\n")}${timeout}\n`;
  const include = `include ${file}\n`;
  const first = /^[ \t]*include[ \t]/im.exec(text);
  text = first ? text.slice(0, first.index) + include + text.slice(first.index) : `${text}${include}`;
  return text;
}

/** A menu file without its own `menu default` lines, so the automated entry is the one highlighted. */
export function withoutMenuDefault(cfg: string): string {
  return cfg.replace(/^[ \t]*menu[ \t]+default[ \t]*\n/gim, "");
}

/** Kernel arguments of the automated entry: unattended at critical priority, console on screen and serial, not quiet (the kernel log on the serial console is how a headless install is followed). */
export function autoArgs(console: string): string {
  return `auto=true priority=critical ${console} --- ${console}`.replace(/\s+/g, " ").trim();
}
