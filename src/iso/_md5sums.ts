// Debian ISOs list every file's MD5 in /md5sum.txt (the installer's "Check the CD" uses it);
// a remaster updates the lines of the files it changed or added.

/** md5sum.txt with `changes` (path relative to the root, "./install.amd/initrd.gz" style) set to new sums. */
export function updateMd5sums(text: string, changes: ReadonlyMap<string, string>): string {
  const pending = new Map(changes);
  const lines = text.split("\n").filter((l) => l !== "").map((line) => {
    const match = /^([0-9a-f]{32})\s+(.+)$/.exec(line);
    if (!match || !pending.has(match[2]!)) return line;
    const sum = pending.get(match[2]!)!;
    pending.delete(match[2]!);
    return `${sum}  ${match[2]}`;
  });
  for (const [path, sum] of pending) lines.push(`${sum}  ${path}`);
  return `${lines.join("\n")}\n`;
}
