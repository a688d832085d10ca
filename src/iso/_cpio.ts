// A cpio "newc" (SVR4, magic 070701) encoder and decoder: the format the Linux kernel unpacks
// for an initramfs, so a preseed can ride along as a segment appended to the installer initrd.
// Pure: buffers in, buffers out. Only regular files and directories, which is all we add.

/** One member of an archive. */
export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("preseed.cfg", "maekin/late.sh"). */
  readonly name: string;
  /** File contents; omit for a directory. */
  readonly data?: Uint8Array | string;
  /** Permission bits (default 0644 for files, 0755 for directories). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch (default 0, so archives are reproducible). */
  readonly mtime?: number;
}

/** A member read back from an archive. */
export interface DecodedCpioEntry {
  readonly name: string;
  /** Full mode: type and permission bits. */
  readonly mode: number;
  readonly data: Buffer;
}

const MAGIC = "070701";
const HEADER = 110;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const TRAILER = "TRAILER!!!";
const pad4 = (n: number) => (4 - (n % 4)) % 4;
const hex8 = (n: number) => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
};

function member(name: string, mode: number, data: Buffer, ino: number, e: Partial<CpioEntry>): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  const fields = [ino, mode, e.uid ?? 0, e.gid ?? 0, mode & S_IFDIR ? 2 : 1, e.mtime ?? 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(MAGIC + fields.map(hex8).join(""), "ascii");
  return Buffer.concat([
    header, nameBytes, Buffer.alloc(pad4(HEADER + nameBytes.length)),
    data, Buffer.alloc(pad4(data.length)),
  ]);
}

/** Encodes entries as one newc archive, ending with the TRAILER!!! member. */
export function encodeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts = entries.map((e, i) => {
    const name = e.name.replace(/^\/+/, "");
    if (name === "" || name.split("/").includes("..")) throw new Error(`cpio: bad member name "${e.name}"`);
    const dir = e.data === undefined;
    const mode = (dir ? S_IFDIR : S_IFREG) | ((e.mode ?? (dir ? 0o755 : 0o644)) & 0o7777);
    const data = dir ? Buffer.alloc(0) : Buffer.from(e.data!);
    // Inode numbers only need to be distinct within the archive; start high to stay clear of the kernel's hard-link detection of earlier segments.
    return member(name, mode, data, 0x4d4b0000 + i, e);
  });
  return Buffer.concat([...parts, member(TRAILER, 0, Buffer.alloc(0), 0, { mtime: 0 })]);
}

/** Decodes one newc archive (stops at TRAILER!!!); throws on anything that is not newc. */
export function decodeCpio(archive: Uint8Array): DecodedCpioEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const entries: DecodedCpioEntry[] = [];
  let at = 0;
  for (;;) {
    if (at + HEADER > buf.length) throw new Error(`cpio: truncated header at byte ${at}`);
    const magic = buf.toString("ascii", at, at + 6);
    if (magic !== MAGIC && magic !== "070702") throw new Error(`cpio: bad magic "${magic}" at byte ${at} (not newc)`);
    const field = (i: number) => Number.parseInt(buf.toString("ascii", at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = at + HEADER;
    const name = buf.toString("utf8", nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + pad4(HEADER + nameSize);
    if (dataStart + size > buf.length) throw new Error(`cpio: member ${name} runs past the end`);
    if (name === TRAILER) return entries;
    entries.push({ name, mode, data: buf.subarray(dataStart, dataStart + size) });
    at = dataStart + size + pad4(size);
  }
}
