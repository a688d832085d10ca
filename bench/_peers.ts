// Where the peer daemons are. atftpd conflicts with tftpd-hpa as a Debian package, so the bench
// unpacks it (apt-get download + dpkg -x) into a cache directory instead of installing it.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The path of a program, or undefined when it is not installed. */
export async function which(cmd: string): Promise<string | undefined> {
  const out = await run("sh", ["-c", `command -v ${cmd}`]).catch(() => ({ stdout: "" }));
  return out.stdout.trim() || undefined;
}

/** The atftpd binary: installed, or unpacked from Debian's package into a cache directory. */
export async function atftpd(): Promise<string | undefined> {
  const installed = await which("atftpd");
  if (installed) return installed;
  const dir = join(tmpdir(), "maekin-bench-atftpd");
  const bin = join(dir, "root", "usr", "sbin", "atftpd");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  try {
    await run("apt-get", ["download", "atftpd"], { cwd: dir, timeout: 120_000 });
    const { stdout } = await run("sh", ["-c", "ls atftpd_*.deb | head -1"], { cwd: dir });
    await run("dpkg", ["-x", stdout.trim(), join(dir, "root")], { cwd: dir });
  } catch (err) {
    console.log(`atftpd unavailable: ${(err as Error).message.split("\n")[0]}`);
    return undefined;
  }
  return existsSync(bin) ? bin : undefined;
}
