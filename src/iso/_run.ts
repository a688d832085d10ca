// The xorriso adapter: runs an argv (never a shell string) with execa and maps failures to IsoBuildError.
import { execa } from "execa";
import { IsoBuildError } from "./_errors.js";

/** The apt-get line that installs xorriso, for messages. */
export const XORRISO_FIX = "apt-get install xorriso";

/** Result of one xorriso run. */
export interface XorrisoResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs xorriso with argv; `onLine` sees each stderr line as it comes (progress). Throws IsoBuildError. */
export async function runXorriso(argv: readonly string[], options: { onLine?: (line: string) => void; failCode?: "NOT_INSTALLER" | "XORRISO_FAILED"; what: string }): Promise<XorrisoResult> {
  const sub = execa("xorriso", argv, { reject: false, stdin: "ignore", buffer: { stdout: true, stderr: false }, maxBuffer: 64 * 1024 * 1024 });
  const stderr: string[] = [];
  if (sub.stderr) {
    let rest = "";
    sub.stderr.setEncoding("utf8");
    sub.stderr.on("data", (chunk: string) => {
      const lines = (rest + chunk).split(/\r?\n/);
      rest = lines.pop() ?? "";
      for (const line of lines) {
        stderr.push(line);
        options.onLine?.(line);
      }
    });
    sub.stderr.on("end", () => { if (rest) stderr.push(rest); });
  }
  const result = await sub;
  if (result.failed) {
    const cause = result.cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === "ENOENT") throw new IsoBuildError("NO_XORRISO", `xorriso is not installed: ${XORRISO_FIX}`, { cause: result });
    const reason = stderr.filter((l) => /FAILURE|SORRY|FATAL/.test(l)).slice(-3).join("; ") || stderr.slice(-3).join("; ") || result.shortMessage;
    throw new IsoBuildError(options.failCode ?? "XORRISO_FAILED", `${options.what}: ${reason}`, { cause: result });
  }
  return { stdout: String(result.stdout ?? ""), stderr: stderr.join("\n") };
}
