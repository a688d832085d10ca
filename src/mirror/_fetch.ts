// Getting package files into the pool: a file already there with the index's SHA256 is reused;
// the rest are fetched with `apt-get download` (apt checks the hashes) and moved to the
// archive's own Filename (which has no epoch, unlike apt's download name).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { AptRoot } from "./_apt.js";
import { packageId, type Stanza } from "./_control.js";
import { aptDownloadName } from "./_index.js";

/** SHA256 of a file, or undefined when it does not exist. */
export async function fileSha256(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    await pipeline(createReadStream(path), hash);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

/** The outcome of fetching a batch. */
export interface FetchResult {
  readonly reused: number;
  readonly fetched: number;
  /** Packages apt could not fetch, with apt's reason. */
  readonly failed: { readonly stanza: Stanza; readonly reason: string }[];
}

/** Puts every record's file at <root>/<Filename>; reports progress as (done, total). */
export async function fetchIntoPool(
  apt: AptRoot, records: readonly Stanza[], root: string, incoming: string, progress: (done: number, total: number) => void,
): Promise<FetchResult> {
  const todo: Stanza[] = [];
  let reused = 0;
  for (const r of records) {
    if ((await fileSha256(join(root, r.get("Filename")!))) === r.get("SHA256")) reused++;
    else todo.push(r);
  }
  progress(reused, records.length);
  await rm(incoming, { recursive: true, force: true });
  await mkdir(incoming, { recursive: true });
  const failed: FetchResult["failed"] = [];
  let fetched = 0;
  const BATCH = 40;
  for (let i = 0; i < todo.length; i += BATCH) {
    const batch = todo.slice(i, i + BATCH);
    const errors = await apt.download(batch.map((r) => `${r.get("Package")}=${r.get("Version")}`), incoming);
    const present = new Set(await readdir(incoming));
    for (const r of batch) {
      const { name, version, arch } = packageId(r);
      const filename = r.get("Filename")!;
      const got = aptDownloadName(name, version, arch, filename.endsWith(".udeb") ? "udeb" : "deb");
      if (!present.has(got)) {
        const base = filename.slice(filename.lastIndexOf("/") + 1);
        const reason = errors.find((e) => e.includes(base.replace(/\+/g, "%2b")) || e.includes(base)) ?? errors.find((e) => e.includes(name)) ?? "apt fetched nothing";
        failed.push({ stanza: r, reason: reason.replace(/^E: /, "").replace(/\s*\[IP: [^\]]*\]/, "") });
        continue;
      }
      const from = join(incoming, got);
      if ((await fileSha256(from)) !== r.get("SHA256")) {
        failed.push({ stanza: r, reason: "the file's SHA256 differs from the index" });
        continue;
      }
      const to = join(root, filename);
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
      fetched++;
    }
    progress(reused + Math.min(i + BATCH, todo.length), records.length);
  }
  return { reused, fetched, failed };
}
