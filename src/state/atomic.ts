// Files in the state dir (admin token, CA, keys) are replaced atomically: write a temp file in the
// same directory, fsync it, rename it over the target, fsync the directory. A crash at any point
// leaves either the old file or the new one, never a torn one.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Writes `data` to `path` atomically and durably with file mode `mode` (default 0600). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  // wx: never follow or reuse something already at the temp name.
  const fh = await open(tmp, "wx", mode);
  try {
    try {
      await fh.writeFile(data);
      // The umask may have narrowed the mode given to open; secrets need exactly `mode`.
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** fsyncs a directory, so a rename or create in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Creates `dir` (and parents) with mode `mode` if missing; narrows an existing one to it. */
export async function ensurePrivateDir(dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  await chmod(dir, mode);
}
