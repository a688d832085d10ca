// Pure xorriso argv builders and parsers for remastering: read the source's boot set-up
// (-report_el_torito as_mkisofs), extract its tree, write the new image with that set-up.
import { posix } from "node:path";

/** argv that prints the source's boot set-up as mkisofs options, one option per line, on stdout. */
export function reportArgv(iso: string): string[] {
  return ["-indev", iso, "-report_el_torito", "as_mkisofs"];
}

/** argv that prints the El Torito catalog in xorriso's plain table (for checking a result). */
export function catalogArgv(iso: string): string[] {
  return ["-indev", iso, "-report_el_torito", "plain"];
}

/** argv that copies the whole tree of an ISO into `dir` (Rock Ridge modes and symlinks kept). */
export function extractAllArgv(iso: string, dir: string): string[] {
  return ["-osirrox", "on", "-indev", iso, "-extract", "/", dir];
}

/** What a remaster writes: the output, the tree, and the boot options read from the source. */
export interface WriteSpec {
  readonly out: string;
  readonly tree: string;
  /** Options from parseMkisofsReport(), in order. */
  readonly boot: readonly string[];
}

/** argv (after "xorriso") that writes the tree as a new ISO with the source's boot set-up.
 * Rock Ridge and Joliet as debian-cd writes them; progress goes to stderr as UPDATE lines. */
export function writeArgv(spec: WriteSpec): string[] {
  return ["-as", "mkisofs", "-o", spec.out, ...spec.boot, "-r", "-J", "-joliet-long", spec.tree];
}

/** Splits one line of xorriso's quoted output into words: '...' and "..." quoting, backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word = `${word ?? ""}${c}`;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word = `${word ?? ""}${line[++i]!}`;
      else word = `${word ?? ""}${c}`;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = `${word ?? ""}${line[++i]!}`;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** The mkisofs options of a `-report_el_torito as_mkisofs` report, as one argv (other lines ignored). */
export function parseMkisofsReport(text: string): string[] {
  return text.split("\n").filter((l) => l.startsWith("-")).flatMap(splitWords);
}

/** The boot set-up found in mkisofs options. */
export interface BootSetup {
  readonly volumeId?: string;
  /** The BIOS El Torito image (isolinux.bin), when there is one. */
  readonly bios?: string;
  /** The EFI El Torito image: a path in the tree or an --interval: reference. */
  readonly efi?: string;
  /** The boot catalog path in the tree. */
  readonly catalog?: string;
  /** True when the image has an MBR (and GPT) for USB sticks. */
  readonly hybrid: boolean;
}

/** Reads the BIOS and EFI images, catalog and volume id out of mkisofs options. */
export function bootSetup(options: readonly string[]): BootSetup {
  const after = (flag: string) => {
    const i = options.indexOf(flag);
    return i >= 0 ? options[i + 1] : undefined;
  };
  const volumeId = after("-V");
  const bios = after("-b");
  const efi = after("-e");
  const catalog = after("-c");
  return {
    ...(volumeId !== undefined ? { volumeId } : {}),
    ...(bios ? { bios: posix.join("/", bios) } : {}),
    ...(efi ? { efi: efi.startsWith("--interval:") ? efi : posix.join("/", efi) } : {}),
    ...(catalog ? { catalog: posix.join("/", catalog) } : {}),
    hybrid: options.some((o) => o === "-isohybrid-mbr" || o === "--grub2-mbr" || o === "-G" || o === "--protective-msdos-label"),
  };
}

/** One El Torito boot entry of xorriso's plain catalog table. */
export interface CatalogEntry {
  readonly index: number;
  readonly platform: string;
  readonly path?: string;
}

/** Parses `-report_el_torito plain` into its boot entries ("BIOS", "UEFI"). */
export function parseCatalog(text: string): CatalogEntry[] {
  const entries = new Map<number, { index: number; platform: string; path?: string }>();
  for (const line of text.split("\n")) {
    const img = /^El Torito boot img :\s+(\d+)\s+(\S+)/.exec(line);
    if (img) entries.set(Number(img[1]), { index: Number(img[1]), platform: img[2]! });
    const path = /^El Torito img path :\s+(\d+)\s+(.+)$/.exec(line);
    const entry = path ? entries.get(Number(path[1])) : undefined;
    if (entry && path) entry.path = path[2]!.trim();
  }
  return [...entries.values()];
}

/** Percent done from one of xorriso's stderr lines ("xorriso : UPDATE :  41.27% done"), else undefined. */
export function parseProgress(line: string): number | undefined {
  const match = /UPDATE\s*:\s*([0-9]+(?:\.[0-9]+)?)% done/.exec(line);
  return match ? Math.min(100, Number(match[1])) : undefined;
}
