// Keeps TFTP paths inside a root directory.
// Choice: a leading "/" is stripped, as tftpd-hpa does with -s, because PXE ROMs and GRUB
// commonly ask for "/pxelinux.0" or "/boot/grub/grub.cfg" meaning "from the TFTP root".
import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { TftpError } from "./_errors.js";

const refuse = (requested: string, why: string) =>
  new TftpError("TFTP_ACCESS_VIOLATION", `access violation: ${why}`, { cause: new Error(`refused TFTP path ${JSON.stringify(requested)}: ${why}`) });

/**
 * Turns a requested path into relative segments: backslashes become "/", leading slashes and
 * "." segments go, and ".." or a NUL byte is refused. Pure; throws TftpError(TFTP_ACCESS_VIOLATION).
 */
export function normalizeTftpPath(requested: string): string[] {
  if (requested.includes("\0")) throw refuse(requested, "NUL byte in path");
  const segments = requested
    .replaceAll("\\", "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw refuse(requested, "'..' in path");
  if (segments.length === 0) throw refuse(requested, "no file named");
  return segments;
}

const isMissing = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
};

/**
 * Resolves a requested path to a real file path under `realRoot` (itself already realpath'd),
 * following symlinks and refusing any that lead out; null when there is no such file.
 */
export async function resolveInRoot(realRoot: string, requested: string): Promise<string | null> {
  const segments = normalizeTftpPath(requested);
  let real: string;
  try {
    real = await realpath(join(realRoot, ...segments));
  } catch (err) {
    if (isMissing(err)) return null;
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw refuse(requested, "symlink loop");
    throw err;
  }
  const inside = realRoot === sep ? real.startsWith(sep) : real.startsWith(realRoot + sep);
  if (!inside) throw refuse(requested, "path leads out of the TFTP root");
  const info = await stat(real);
  if (!info.isFile()) throw refuse(requested, "not a regular file");
  return real;
}
