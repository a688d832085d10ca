// The substitute step: runs only for udebs the archive refused. For each, tries the candidates
// of _substitute.ts in order, fetching their sources with apt, and writes the stand-in under
// pool/maekin-substitutes/ with a Packages stanza that describes that very file.
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AptRoot } from "./_apt.js";
import { packageId, parseRelations, parseStanzas, withFields, type Stanza } from "./_control.js";
import type { FetchResult } from "./_fetch.js";
import { fileSha256 } from "./_fetch.js";
import { aptDownloadName, digests } from "./_index.js";
import type { MirrorLayout } from "./_layout.js";
import { MirrorError } from "./_errors.js";
import { repackUdeb } from "./_repack.js";
import { substituteCandidates, type SubstituteCandidate } from "./_substitute.js";
import { execa } from "execa";

/** Where substitutes lie in the pool: a folder of their own, so nobody takes one for the archive's file. */
export const SUBSTITUTE_POOL = "pool/maekin-substitutes";

/** One stand-in, for the manifest and the summary. */
export interface Substitute {
  readonly name: string;
  /** The version the archive listed (and refused). */
  readonly version: string;
  readonly kind: "repack" | "next-release";
  readonly why: string;
  /** Pool path of the stand-in. */
  readonly file: string;
  readonly sha256: string;
  /** The Packages stanza of the stand-in. */
  readonly stanza: Stanza;
}

/** What the step works with. */
export interface SubstituteStepOptions {
  readonly missing: FetchResult["failed"];
  readonly debApt: AptRoot;
  /**
   * Opens a later release's installer source, updated (see firstUsable). Called once, and only
   * when a udeb has no stand-in repacked from a deb of the same build: a sync whose substitutes
   * are all repacks needs no later release, so a later release whose index cannot be verified
   * does not stop it.
   */
  readonly nextApt: () => Promise<AptRoot>;
  readonly debRecords: readonly Stanza[];
  readonly udebRecords: readonly Stanza[];
  readonly layout: MirrorLayout;
  /** Names (and provides) the mirror and the initrd have without substitutes. */
  readonly available: ReadonlySet<string>;
  readonly log: (line: string) => void;
}

/** Stands in for what it can; returns the substitutes and what stays missing. */
export async function substituteStep(o: SubstituteStepOptions): Promise<{ substitutes: Substitute[]; missing: FetchResult["failed"] }> {
  const debs = new Map(o.debRecords.map((d) => [d.get("Package")!, d]));
  const udebNames = new Set(o.udebRecords.map((u) => u.get("Package")!));
  const noNext = new Map<string, Stanza>();
  // The later release, opened on first need; null when none could be used (firstUsable logged why).
  let next: { apt: AptRoot; udebs: Map<string, Stanza> } | null | undefined;
  const nextRelease = async () => {
    if (next === undefined) {
      try {
        const apt = await o.nextApt();
        next = { apt, udebs: new Map((await apt.records()).map((u) => [u.get("Package")!, u])) };
      } catch (err) {
        if (!(err instanceof MirrorError)) throw err;
        next = null;
      }
    }
    return next;
  };
  const NO_LATER = "no later release could be used (see the log)";
  const scratch = join(o.layout.work, "substitutes");
  const substitutes: Substitute[] = [];
  const missing: FetchResult["failed"] = [];
  for (const failed of o.missing) {
    const udeb = failed.stanza;
    const { name, version } = packageId(udeb);
    const tried: string[] = [];
    const firstOf = async (candidates: readonly SubstituteCandidate[]) => {
      for (const c of candidates) {
        const got = await attempt(udeb, c);
        if (typeof got !== "string") return got;
        tried.push(got);
      }
      return undefined;
    };
    // Repacks first; the later release is opened only when no repack stood in.
    let done = await firstOf(substituteCandidates(udeb, debs, udebNames, noNext));
    if (!done) {
      const later = await nextRelease();
      if (later) done = await firstOf(substituteCandidates(udeb, debs, udebNames, later.udebs).filter((c) => c.kind === "next-release"));
      else tried.push(NO_LATER);
    }
    if (done) {
      substitutes.push(done);
      o.log(`SUBSTITUTE ${name} ${version} -> ${done.file} (${done.why})`);
    } else {
      missing.push({ stanza: udeb, reason: `${failed.reason}; no substitute${tried.length ? ` (${tried.join("; ")})` : " (no deb of the same build, not in the next release)"}` });
      o.log(`MISSING ${name} ${version}: no substitute`);
    }
  }
  // A next-release udeb may depend on names the next release renamed (libfuse3-3 -> libfuse3-4):
  // those come from the next release too, each one named as needed by the substitute.
  const nextUdebs = next?.udebs ?? noNext;
  const have = new Set(o.available);
  const provide = (st: Stanza) => { have.add(st.get("Package")!); for (const [p] of parseRelations(st.get("Provides"))) have.add(p!); };
  substitutes.forEach((x) => provide(x.stanza));
  for (let i = 0; i < substitutes.length; i++) {
    const sub = substitutes[i]!;
    if (sub.kind !== "next-release") continue;
    for (const rel of [...parseRelations(sub.stanza.get("Pre-Depends")), ...parseRelations(sub.stanza.get("Depends"))]) {
      if (rel.some((alt) => have.has(alt))) continue;
      const dep = nextUdebs.get(rel[0]!);
      const got = dep ? await fromNext(dep, `needed by the substitute ${sub.name}: the next release's ${dep.get("Package")} ${dep.get("Version")}`) : "not in the next release";
      if (typeof got === "string") { o.log(`MISSING ${rel.join(" | ")}, needed by the substitute ${sub.name}: ${got}`); continue; }
      substitutes.push(got);
      provide(got.stanza);
      o.log(`SUBSTITUTE ${got.name} ${got.version} -> ${got.file} (${got.why})`);
    }
  }
  await rm(scratch, { recursive: true, force: true });
  return { substitutes, missing };

  /** Makes one stand-in for `udeb`, or says why it could not. */
  async function attempt(udeb: Stanza, c: SubstituteCandidate): Promise<Substitute | string> {
    const { name, version, arch } = packageId(udeb);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    if (c.kind === "next-release") {
      const got = await fromNext(c.udeb, c.why);
      return typeof got === "string" ? got : { ...got, name, version };
    }
    const from = c.debs.map((d) => `${d.get("Package")} ${d.get("Version")}`).join(" + ");
    const rel = `${SUBSTITUTE_POOL}/${name}_${version.replace(/^[0-9]+:/, "")}_${arch}.udeb`;
    const out = join(o.layout.debian, rel);
    // A re-run keeps a stand-in repacked from the same debs (its control says which).
    const existing = await execa("dpkg-deb", ["-f", out, "X-Maekin-Substitute"]).then((r) => r.stdout.trim(), () => "");
    if (existing !== `repacked from ${from}`) {
      const errors = await o.debApt.download(c.debs.map((d) => `${d.get("Package")}=${d.get("Version")}`), scratch);
      const files = c.debs.map((d) => { const id = packageId(d); return join(scratch, aptDownloadName(id.name, id.version, id.arch, "deb")); });
      const have = new Set((await readdir(scratch)).map((f) => join(scratch, f)));
      if (!files.every((f) => have.has(f))) return `repack: ${errors.join("; ") || "debs not fetched"}`;
      await mkdir(join(o.layout.debian, SUBSTITUTE_POOL), { recursive: true });
      await repackUdeb(udeb, files, from, out);
    }
    return describe(name, version, "repack", `repacked from ${from}: ${c.why}`, rel, out, udeb);
  }

  async function fromNext(udeb: Stanza, why: string): Promise<Substitute | string> {
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    const id = packageId(udeb);
    const rel = `${SUBSTITUTE_POOL}/${id.name}_${id.version.replace(/^[0-9]+:/, "")}_${id.arch}.udeb`;
    if ((await fileSha256(join(o.layout.debian, rel))) === udeb.get("SHA256")) return describe(id.name, id.version, "next-release", why, rel, join(o.layout.debian, rel), udeb);
    const later = await nextRelease();
    if (!later) return NO_LATER;
    const errors = await later.apt.download([`${id.name}=${id.version}`], scratch);
    const got = join(scratch, aptDownloadName(id.name, id.version, id.arch, "udeb"));
    if ((await fileSha256(got)) !== udeb.get("SHA256")) return `next release: ${errors.join("; ") || "not fetched"}`;
    await mkdir(join(o.layout.debian, SUBSTITUTE_POOL), { recursive: true });
    await rename(got, join(o.layout.debian, rel));
    return describe(id.name, id.version, "next-release", why, rel, join(o.layout.debian, rel), udeb);
  }
}

/** The stand-in's stanza: its own control data, with the size and hashes of the file written. */
async function describe(name: string, version: string, kind: Substitute["kind"], why: string, rel: string, path: string, control: Stanza): Promise<Substitute> {
  const data = await readFile(path);
  const d = digests(data);
  const own = kind === "repack" ? (await execa("dpkg-deb", ["-f", path])).stdout : undefined;
  const base = own ? parseStanzas(own)[0]! : control;
  const stanza = withFields(base, {
    Filename: rel, Size: String(d.size), MD5sum: d.md5, SHA256: d.sha256, SHA1: undefined, "Description-md5": undefined,
    "X-Maekin-Substitute": why,
  });
  return { name, version, kind, why, file: rel, sha256: d.sha256, stanza };
}
