// The indexes of a mirror: Packages (per component and architecture), the per-component Release,
// and the suite's Release listing every index with its size and hashes. Pure: no I/O.
import { createHash } from "node:crypto";
import { formatStanza } from "./_control.js";

/** An index file as it will lie under dists/<suite>/, with its bytes. */
export interface IndexFile {
  /** Path relative to dists/<suite>/ ("main/binary-amd64/Packages"). */
  readonly path: string;
  readonly data: Buffer;
}

/** What a suite's Release says about itself. */
export interface SuiteInfo {
  readonly origin: string;
  readonly label: string;
  readonly suite: string;
  readonly codename: string;
  readonly version: string;
  readonly architectures: readonly string[];
  readonly components: readonly string[];
  readonly description: string;
  readonly date: Date;
}

/** Size, MD5 and SHA256 of bytes, as Packages and Release files quote them. */
export function digests(data: Uint8Array): { size: number; md5: string; sha256: string } {
  return {
    size: data.byteLength,
    md5: createHash("md5").update(data).digest("hex"),
    sha256: createHash("sha256").update(data).digest("hex"),
  };
}

/** RFC 2822 date in UTC, the way dak writes Release's Date field. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace("GMT", "UTC");
}

/** The per-component `binary-<arch>/Release` that debootstrap and some apt versions look for. */
export function componentRelease(info: SuiteInfo, component: string, arch: string): string {
  return `${formatStanza(new Map([
    ["Archive", info.suite], ["Origin", info.origin], ["Label", info.label], ["Version", info.version],
    ["Component", component], ["Architecture", arch],
  ]))}\n`;
}

/** The suite's Release: every index file with its size, MD5Sum and SHA256, sorted by path. */
export function suiteRelease(info: SuiteInfo, files: readonly IndexFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max(1, ...sorted.map((f) => String(f.data.byteLength).length));
  const list = (kind: "md5" | "sha256") =>
    `\n${sorted.map((f) => { const d = digests(f.data); return ` ${d[kind]} ${String(d.size).padStart(width)} ${f.path}`; }).join("\n")}`;
  return `${formatStanza(new Map([
    ["Origin", info.origin], ["Label", info.label], ["Suite", info.suite], ["Version", info.version],
    ["Codename", info.codename], ["Date", releaseDate(info.date)], ["Acquire-By-Hash", "no"],
    ["Architectures", info.architectures.join(" ")], ["Components", info.components.join(" ")],
    ["Description", info.description], ["MD5Sum", list("md5")], ["SHA256", list("sha256")],
  ]))}\n`;
}

/**
 * The name `apt-get download` gives a package file: name_version_arch.deb with the epoch's
 * colon written as %3a. The mirror's pool uses the archive's own Filename instead (no epoch).
 */
export function aptDownloadName(name: string, version: string, arch: string, ext: "deb" | "udeb"): string {
  return `${name}_${version.replaceAll(":", "%3a")}_${arch}.${ext}`;
}

/** The pool path a package gets in our mirror when it has no archive Filename: pool/main/<prefix>/<source>/<name>_<version without epoch>_<arch>.<ext>. */
export function poolPath(source: string, name: string, version: string, arch: string, ext: "deb" | "udeb"): string {
  const prefix = source.startsWith("lib") && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  const noEpoch = version.includes(":") ? version.slice(version.indexOf(":") + 1) : version;
  return `pool/main/${prefix}/${source}/${name}_${noEpoch}_${arch}.${ext}`;
}
