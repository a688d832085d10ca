// Pure argv builders for reading files out of an ISO image with xorriso (no shell strings).

/** xorriso argv that copies files out of an ISO: pairs of [path in the ISO, path on disk]. */
export function extractArgv(iso: string, files: readonly (readonly [string, string])[]): string[] {
  return ["-osirrox", "on", "-indev", iso, ...files.flatMap(([from, to]) => ["-extract", from, to])];
}

/** xorriso argv that lists a directory of an ISO, one path per line. */
export function listArgv(iso: string, dir: string): string[] {
  return ["-indev", iso, "-find", dir, "-exec", "lsdl"];
}
