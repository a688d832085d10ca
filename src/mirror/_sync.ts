// `maekin mirror sync`: the orchestrator. Reads the installer's initrd, resolves the debs with
// apt and picks the udebs, fetches them into the pool, stands in for udebs the archive refused
// (a marked step with its own manifest), writes and signs the indexes, and makes the keyring initrd.
import { mkdir, readdir, readFile, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { createAptRoot, type AptRoot } from "./_apt.js";
import { formatStanzas, packageId, parseRelations, parseStanzas, withFields, type Stanza } from "./_control.js";
import { MirrorError } from "./_errors.js";
import { fetchIntoPool } from "./_fetch.js";
import { ensureSigningKey } from "./_gpg.js";
import { componentRelease, suiteRelease, type IndexFile, type SuiteInfo } from "./_index.js";
import { keyringInitrd, readInstallerFacts } from "./_keyring.js";
import { mirrorLayout, NEXT_SUITES, SUITE, SUITE_ALIASES } from "./_layout.js";
import { debRequests, LVM_UDEBS, neededClosure, parseSimulation, selectUdebs, unsatisfiable } from "./_plan.js";
import { substituteStep, type Substitute } from "./_substitutes-step.js";

/** How a sync runs. */
export interface SyncOptions {
  readonly stateDir: string;
  readonly cluster: string;
  /** Upstream archive ("http://deb.debian.org/debian"). */
  readonly upstream: string;
  /** Keyring that signs the upstream (Debian's, by default). */
  readonly upstreamKeyring: string;
  /** The installer initrd (gzip'd cpio) the nodes boot. */
  readonly installerInitrd: string;
  /** Packages the profiles install (BASE_PACKAGES + each Debian profile's). */
  readonly packages: readonly string[];
  /** A Debian profile uses the LVM layout: its udebs become needed. */
  readonly lvm?: boolean;
  /** Progress: a step starts, or (done, total) of the current step. */
  readonly report: (event: { kind: "step"; message: string } | { kind: "progress"; done: number; total: number } | { kind: "log"; message: string }) => void;
  readonly now?: () => Date;
  /**
   * Mirror only these (tests): the debs' closure of `debs` alone, and exactly the `udebs` named
   * (each one then counts as needed). Without it: the whole install closure.
   */
  readonly subset?: { readonly debs: readonly string[]; readonly udebs: readonly string[] };
}

/** What a sync did. */
export interface SyncSummary {
  readonly suite: string;
  readonly kernelAbi: string;
  readonly debs: number;
  readonly udebs: number;
  readonly reused: number;
  readonly fetched: number;
  readonly bytes: number;
  readonly substitutes: readonly Substitute[];
  /** Packages nothing could be had for, with the reason; `needed` ones fail the sync. */
  readonly missing: readonly { name: string; version: string; kind: "deb" | "udeb"; reason: string; needed: boolean }[];
  readonly unknownRequests: readonly string[];
  readonly fingerprint: string;
  readonly seconds: number;
}

/** Runs a sync; throws MirrorError when a needed package stays missing (after writing what it has). */
export async function syncMirror(options: SyncOptions): Promise<SyncSummary> {
  const t0 = Date.now();
  const { report } = options;
  const step = (message: string) => report({ kind: "step", message });
  const log = (message: string) => report({ kind: "log", message });
  const layout = mirrorLayout(options.stateDir);
  // Like `maekin serve`, a state dir made here is private: the signing key lives in it.
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.work, { recursive: true });

  step(`reading the installer initrd ${options.installerInitrd}`);
  const initrd = await readFile(options.installerInitrd).catch((err) => {
    throw new MirrorError(`cannot read the installer initrd ${options.installerInitrd}: ${(err as Error).message}; apt-get install debian-installer-12-netboot-amd64 or maekin assets import`, { code: "MIRROR_INITRD", cause: err });
  });
  const facts = readInstallerFacts(initrd, options.installerInitrd);
  log(`installer kernel ${facts.kernelAbi}, ${facts.status.length} udebs in its initrd`);

  step("cluster signing key");
  const key = await ensureSigningKey(layout.gnupg, options.cluster);
  await key.close(); // the agent key generation started; signing starts one again, briefly
  log(`${key.created ? "made" : "using"} the signing key ${key.fingerprint} (${layout.gnupg})`);

  step(`reading the indexes of ${options.upstream} ${SUITE} with apt`);
  const source = (suite: string, component: string) => ({ url: options.upstream, suite, component, keyring: options.upstreamKeyring });
  const debApt = await createAptRoot(join(layout.work, "apt-deb"), source(SUITE, "main"));
  const udebApt = await createAptRoot(join(layout.work, "apt-udeb"), source(SUITE, "main/debian-installer"));
  await debApt.update();
  await udebApt.update();
  const debRecords = await debApt.records();
  const udebRecords = await udebApt.records();
  const suiteInfo = await upstreamSuite(join(layout.work, "apt-deb"), options.now?.() ?? new Date());

  step("resolving the debs' closure with apt");
  const subset = options.subset;
  const requests = subset ? { base: subset.debs, onTop: {}, unknown: [] } : debRequests(debRecords, options.packages);
  if (requests.unknown.length > 0) log(`not in the archive, left out: ${requests.unknown.join(" ")}`);
  const debs = await resolveDebs(debApt, debRecords, requests);
  log(`${debs.length} debs (base ${requests.base.length} requested, BIOS and UEFI boot loaders, ${options.packages.length} profile packages)`);
  const udebs = subset ? udebRecords.filter((u) => subset.udebs.includes(u.get("Package")!)) : selectUdebs(udebRecords, facts.status, facts.kernelAbi);
  log(`${udebs.length} udebs beyond the initrd's (priority standard and up, modules of ${facts.kernelAbi}, their dependencies)`);

  step(`fetching ${debs.length} debs`);
  const progress = (done: number, total: number) => report({ kind: "progress", done, total });
  const debResult = await fetchIntoPool(debApt, debs, layout.debian, join(layout.work, "incoming"), progress);
  step(`fetching ${udebs.length} udebs`);
  const udebResult = await fetchIntoPool(udebApt, udebs, layout.debian, join(layout.work, "incoming"), progress);
  for (const f of [...debResult.failed, ...udebResult.failed]) log(`refused by the archive: ${f.stanza.get("Package")} ${f.stanza.get("Version")}: ${f.reason}`);

  // Only udebs an install with our preseed uses get a stand-in; the others the archive refused are named and left out.
  const needed = subset ? new Set(subset.udebs) : neededClosure(udebs, options.lvm ? LVM_UDEBS : []);
  const toSubstitute = udebResult.failed.filter((f) => needed.has(f.stanza.get("Package")!));
  const leftOut = udebResult.failed.filter((f) => !needed.has(f.stanza.get("Package")!));
  let substitutes: Substitute[] = [];
  let stillMissing = toSubstitute;
  if (toSubstitute.length > 0) {
    step(`SUBSTITUTES: ${toSubstitute.length} needed udebs the archive refused; standing in for them (listed in ${relative(layout.root, layout.substitutes)})`);
    const nextApt = () => firstUsable(NEXT_SUITES.map((suite) => ({ suite, open: () => createAptRoot(join(layout.work, `apt-udeb-next-${suite}`), source(suite, "main/debian-installer")) })), log);
    ({ substitutes, missing: stillMissing } = await substituteStep({
      missing: toSubstitute, debApt, nextApt, debRecords, udebRecords, layout, log,
      available: provides([...udebs.filter((u) => !udebResult.failed.some((f) => f.stanza === u)), ...facts.status]),
    }));
  }
  await writeFile(layout.substitutes, substitutesManifest(substitutes, suiteInfo.date));

  const failedUdebs = new Set(udebResult.failed.map((f) => f.stanza));
  let udebIndex = [...udebs.filter((u) => !failedUdebs.has(u)), ...substitutes.map((s) => s.stanza)].sort(byName);
  const broken = unsatisfiable(udebIndex, facts.status);
  for (const [name, dep] of broken) log(`left out ${name}: it depends on ${dep}, which the mirror does not have`);
  udebIndex = udebIndex.filter((u) => !broken.has(u.get("Package")!));
  const debIndex = debs.filter((d) => !debResult.failed.some((f) => f.stanza === d)).sort(byName);

  step("writing and signing the indexes");
  await writeIndexes(layout, suiteInfo, debIndex, udebIndex);
  try {
    await key.sign(join(layout.dists, "Release"), join(layout.dists, "Release.gpg"), join(layout.dists, "InRelease"));
    await key.exportPublic(layout.publicKey);
  } finally {
    await key.close();
  }
  const publicKey = await readFile(layout.publicKey);
  await writeAtomic(layout.keyringInitrd, keyringInitrd(facts.archiveKeyring, publicKey));
  // Files fetched but left out of the index (a dependency is missing) stay, so a re-run does not fetch them again.
  const removed = await prunePool(layout.debian, new Set([...debs, ...udebs, ...udebIndex].map((s) => s.get("Filename")!)));
  if (removed > 0) log(`removed ${removed} pool files no index refers to any more`);

  const missing = [
    ...debResult.failed.map((f) => ({ ...packageId(f.stanza), kind: "deb" as const, reason: f.reason, needed: true })),
    ...stillMissing.map((f) => ({ ...packageId(f.stanza), kind: "udeb" as const, reason: f.reason, needed: true })),
    ...leftOut.map((f) => ({ ...packageId(f.stanza), kind: "udeb" as const, reason: f.reason, needed: false })),
    ...[...broken].filter(([n]) => !leftOut.some((f) => f.stanza.get("Package") === n)).map(([name, dep]) => {
      const s = udebs.find((u) => u.get("Package") === name)!;
      return { name, version: s.get("Version")!, arch: "", kind: "udeb" as const, reason: `depends on ${dep}, which the mirror lacks`, needed: needed.has(name) };
    }),
  ].map(({ name, version, kind, reason, needed: n }) => ({ name, version, kind, reason, needed: n }));
  const bytes = [...debIndex, ...udebIndex].reduce((n, s) => n + Number(s.get("Size") ?? 0), 0);
  const summary: SyncSummary = {
    suite: SUITE, kernelAbi: facts.kernelAbi, debs: debIndex.length, udebs: udebIndex.length,
    reused: debResult.reused + udebResult.reused, fetched: debResult.fetched + udebResult.fetched, bytes,
    substitutes, missing, unknownRequests: requests.unknown, fingerprint: key.fingerprint, seconds: (Date.now() - t0) / 1000,
  };
  if (!missing.some((m) => m.needed)) await writeAtomic(layout.summary, `${JSON.stringify({ ...summary, substitutes: substitutes.map(({ stanza: _s, ...rest }) => rest) }, null, 2)}\n`);
  else await rm(layout.summary, { force: true });
  return summary;
}

const provides = (stanzas: readonly Stanza[]) => new Set(stanzas.flatMap((s) => [s.get("Package")!, ...parseRelations(s.get("Provides")).map((r) => r[0]!)]));
const byName = (a: Stanza, b: Stanza) => (a.get("Package")! < b.get("Package")! ? -1 : a.get("Package")! > b.get("Package")! ? 1 : 0);

async function resolveDebs(apt: AptRoot, records: readonly Stanza[], requests: { base: readonly string[]; onTop: Readonly<Record<string, readonly string[]>> }): Promise<Stanza[]> {
  const byId = new Map(records.map((r) => [`${r.get("Package")}=${r.get("Version")}`, r]));
  const pick = (output: string) => parseSimulation(output).map((i) => {
    const r = byId.get(`${i.name}=${i.version}`);
    if (!r) throw new MirrorError(`apt wants ${i.name} ${i.version}, which the index does not list`, { code: "MIRROR_RESOLVE" });
    return r;
  });
  const base = pick(await apt.simulate(requests.base));
  // The rest is resolved on top of the base as the installer does: pkgsel runs apt in a target debootstrap filled.
  const status = formatStanzas(base.map((r) => withFields(r, { Status: "install ok installed" })));
  const chosen = new Set(base);
  for (const names of Object.values(requests.onTop)) for (const r of pick(await apt.simulate(names, status))) chosen.add(r);
  return [...chosen];
}

/** The upstream suite's Release fields (from apt's verified InRelease), for ours. */
async function upstreamSuite(aptDir: string, date: Date): Promise<SuiteInfo> {
  const lists = join(aptDir, "state", "lists");
  const file = (await readdir(lists)).find((f) => f.endsWith(`_dists_${SUITE}_InRelease`));
  const text = file ? await readFile(join(lists, file), "utf8") : "";
  const body = text.replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n/, "").replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, "\n");
  const upstream = parseStanzas(body)[0] ?? new Map<string, string>();
  return {
    origin: "maekin", label: "maekin mirror of Debian", suite: upstream.get("Suite") ?? "oldstable", codename: SUITE,
    version: upstream.get("Version") ?? "12", architectures: ["amd64"], components: ["main"],
    description: `Partial Debian ${upstream.get("Version") ?? "12"} (${SUITE}) for maekin's installers, signed by the cluster key`, date,
  };
}

async function writeIndexes(layout: ReturnType<typeof mirrorLayout>, info: SuiteInfo, debs: readonly Stanza[], udebs: readonly Stanza[]): Promise<void> {
  const files: IndexFile[] = [];
  for (const [dir, stanzas] of [["main/binary-amd64", debs], ["main/debian-installer/binary-amd64", udebs]] as const) {
    const packages = Buffer.from(formatStanzas(stanzas));
    files.push({ path: `${dir}/Packages`, data: packages });
    files.push({ path: `${dir}/Packages.gz`, data: gzipSync(packages, { level: 9 }) });
    files.push({ path: `${dir}/Release`, data: Buffer.from(componentRelease(info, "main", "amd64")) });
  }
  for (const f of files) await writeAtomic(join(layout.dists, f.path), f.data);
  await writeAtomic(join(layout.dists, "Release"), suiteRelease(info, files));
  for (const alias of SUITE_ALIASES) {
    const link = join(layout.debian, "dists", alias);
    await unlink(link).catch(() => undefined);
    await symlink(SUITE, link);
  }
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/** Deletes pool files no index names; returns how many. */
async function prunePool(debian: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!keep.has(relative(debian, path))) { await rm(path, { force: true }); removed++; }
    }
  };
  await walk(join(debian, "pool"));
  return removed;
}

/** The human-readable substitutes manifest. */
export function substitutesManifest(substitutes: readonly Substitute[], date: Date): string {
  const head = `# maekin mirror sync: udebs the upstream archive refused to serve (HTTP 404), and what stands in for them.\n# ${date.toISOString()}: ${substitutes.length} substitute(s). On a complete archive this list is empty.\n`;
  return head + substitutes.map((s) => `${s.name} ${s.version}: ${s.file} (${s.kind}: ${s.why}; sha256 ${s.sha256})\n`).join("");
}

/**
 * The first source of the next release whose installer index apt can fetch and verify, updated; a refused one
 * is logged and the next tried. Throws the last refusal when none can be had.
 */
export async function firstUsable(roots: readonly { suite: string; open: () => Promise<AptRoot> }[], log: (line: string) => void): Promise<AptRoot> {
  let last: unknown = new MirrorError("no later release to take substitutes from", { code: "MIRROR_UPSTREAM" });
  for (const { suite, open } of roots) {
    const apt = await open();
    try {
      await apt.update();
      return apt;
    } catch (err) {
      if (!(err instanceof MirrorError)) throw err;
      log(`substitutes: ${suite} cannot be used: ${err.message}`);
      last = err;
    }
  }
  throw last;
}
