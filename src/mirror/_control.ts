// Debian control data (deb822): the stanzas of Packages, Release and dpkg status files.
// Pure: text in, records out, and back. Field order is kept so a stanza we copy reads as upstream's.

/** One stanza: field names in their original order, values without the "Name: " prefix. */
export type Stanza = ReadonlyMap<string, string>;

/** Parses deb822 text into stanzas; continuation lines stay in the value, joined with "\n". */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (last === undefined) throw new Error(`control data line ${i + 1}: a continuation line with no field before it`);
      current.set(last, `${current.get(last)}\n${line}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`control data line ${i + 1}: "${line.slice(0, 60)}" is not "Field: value"`);
    last = line.slice(0, colon);
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

/** Formats one stanza (no trailing blank line). */
export function formatStanza(stanza: Stanza): string {
  return [...stanza].map(([k, v]) => (v.startsWith("\n") ? `${k}:${v}` : `${k}: ${v}`)).join("\n");
}

/** Formats stanzas as a Packages or status file: blank line between and after. */
export function formatStanzas(stanzas: readonly Stanza[]): string {
  return stanzas.length === 0 ? "" : `${stanzas.map(formatStanza).join("\n\n")}\n\n`;
}

/** A copy of `stanza` with fields replaced or added (added ones go last), or removed when the value is undefined. */
export function withFields(stanza: Stanza, fields: Readonly<Record<string, string | undefined>>): Stanza {
  const out = new Map(stanza);
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) out.delete(k);
    else out.set(k, v);
  }
  return out;
}

/** One relation of a Depends-like field: alternatives, each a package name (version and arch qualifiers dropped). */
export type Relation = readonly string[];

/** The package names of a Depends/Pre-Depends/Provides field, as alternatives per relation. */
export function parseRelations(value: string | undefined): Relation[] {
  if (!value) return [];
  return value.split(",").map((rel) => rel.split("|").map((alt) => alt.trim().split(/[\s(:[]/)[0]!).filter((n) => n !== "")).filter((r) => r.length > 0);
}

/** A package stanza's name, version and architecture, or an error naming the stanza. */
export function packageId(stanza: Stanza): { name: string; version: string; arch: string } {
  const name = stanza.get("Package");
  const version = stanza.get("Version");
  const arch = stanza.get("Architecture");
  if (!name || !version || !arch) throw new Error(`a package stanza lacks Package, Version or Architecture: "${formatStanza(stanza).slice(0, 80)}"`);
  return { name, version, arch };
}
