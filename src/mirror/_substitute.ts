// Substitutes for udebs the archive refused to serve (HTTP 404 on a damaged or partial mirror).
// Pure: decides, for one missing udeb, where a stand-in could come from, best first. This step
// only ever runs for files the archive refused; on a complete archive it has nothing to do.
import { packageId, parseRelations, type Stanza } from "./_control.js";

/** One way to stand in for a missing udeb. */
export type SubstituteCandidate =
  /** Same source and version as a deb: the udeb's control with the deb's files (and the same-source libraries it links). */
  | { readonly kind: "repack"; readonly debs: readonly Stanza[]; readonly why: string }
  /** The next release's udeb of the same name, as it is. */
  | { readonly kind: "next-release"; readonly udeb: Stanza; readonly why: string };

const sourceOf = (p: Stanza) => (p.get("Source") ?? p.get("Package")!).split(" ")[0]!;
const sourceVersionOf = (p: Stanza) => /\(([^)]+)\)/.exec(p.get("Source") ?? "")?.[1] ?? p.get("Version")!;

/**
 * Where a stand-in for `udeb` could come from, best first:
 * 1. repack: a deb named like the udeb without "-udeb", from the same source at the same
 *    version, plus the libraries of the same source and version it depends on that have no udeb
 *    of their own (e2fsprogs needs libext2fs2, libcom-err2, libss2). Not for installer
 *    components (Installer-Menu-Item): their behaviour is in maintainer scripts a deb lacks.
 * 2. next-release: the next release's udeb of the same name.
 */
export function substituteCandidates(
  udeb: Stanza,
  debs: ReadonlyMap<string, Stanza>,
  udebNames: ReadonlySet<string>,
  nextUdebs: ReadonlyMap<string, Stanza>,
): SubstituteCandidate[] {
  const { name, version } = packageId(udeb);
  const out: SubstituteCandidate[] = [];
  const debName = name.endsWith("-udeb") ? name.slice(0, -"-udeb".length) : undefined;
  const deb = debName ? debs.get(debName) : undefined;
  if (deb && !udeb.has("Installer-Menu-Item") && deb.get("Version") === version && sourceOf(deb) === sourceOf(udeb)) {
    const bundled: Stanza[] = [];
    for (const [dep] of [...parseRelations(deb.get("Pre-Depends")), ...parseRelations(deb.get("Depends"))]) {
      const lib = debs.get(dep!);
      if (!lib || udebNames.has(`${dep}-udeb`) || bundled.includes(lib)) continue;
      if (sourceOf(lib) === sourceOf(deb) && sourceVersionOf(lib) === sourceVersionOf(deb)) bundled.push(lib);
    }
    const libs = bundled.map((b) => b.get("Package")).join(", ");
    out.push({ kind: "repack", debs: [deb, ...bundled], why: `${debName} ${version} is the same build${libs ? `; bundles ${libs}` : ""}` });
  }
  const next = nextUdebs.get(name);
  if (next) out.push({ kind: "next-release", udeb: next, why: `the next release's ${name} ${next.get("Version")}` });
  return out;
}
