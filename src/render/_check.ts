// Checkers for rendered answer files: what the installers would reject, found before a machine
// boots. Pure functions over text; `maekin render` runs them on everything it writes.

/** RHEL 9 kickstart commands (pykickstart's RHEL9 handler), less those removed or deprecated there. */
const KICKSTART_COMMANDS = new Set([
  "authselect", "autopart", "bootloader", "cdrom", "clearpart", "cmdline", "driverdisk", "eula",
  "fcoe", "firewall", "firstboot", "graphical", "group", "halt", "harddrive", "hmc", "ignoredisk",
  "iscsi", "iscsiname", "keyboard", "lang", "liveimg", "logging", "logvol", "mediacheck", "module",
  "mount", "network", "nfs", "nvdimm", "ostreesetup", "part", "partition", "poweroff", "raid",
  "realm", "reboot", "repo", "reqpart", "rescue", "rhsm", "rootpw", "selinux", "services",
  "shutdown", "skipx", "snapshot", "sshkey", "sshpw", "syspurpose", "text", "timesource",
  "timezone", "updates", "url", "user", "vnc", "volgroup", "xconfig", "zerombr", "zfcp", "zipl",
]);
const KICKSTART_REMOVED = new Set(["auth", "authconfig", "install", "method", "device", "deviceprobe", "dmraid", "multipath", "autostep", "btrfs"]);
const KICKSTART_SECTIONS = new Set(["%pre", "%pre-install", "%post", "%packages", "%onerror", "%traceback", "%addon", "%anaconda"]);

/** A script embedded in an answer file, for `sh -n`. */
export interface EmbeddedScript {
  readonly where: string;
  readonly body: string;
}

/** Problems of a kickstart: unclosed sections, unknown commands, unrendered template text. */
export function checkKickstart(text: string): string[] {
  const problems: string[] = [];
  let open: { name: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    const n = index + 1;
    if (raw.includes("{{") || raw.includes("}}")) problems.push(`line ${n}: unrendered template text: ${line}`);
    if (line === "%end") {
      if (!open) problems.push(`line ${n}: %end without an open section`);
      open = undefined;
      return;
    }
    const word = line.split(/\s+/)[0] ?? "";
    if (word.startsWith("%") && word !== "%include" && word !== "%ksappend") {
      if (!KICKSTART_SECTIONS.has(word)) problems.push(`line ${n}: unknown section ${word}`);
      if (open) problems.push(`line ${n}: ${word} opens inside ${open.name} of line ${open.line}, which has no %end`);
      open = { name: word, line: n };
      return;
    }
    if (open || line === "" || line.startsWith("#") || word === "%include" || word === "%ksappend") return;
    if (KICKSTART_REMOVED.has(word)) problems.push(`line ${n}: ${word} is removed or deprecated in RHEL 9`);
    else if (!KICKSTART_COMMANDS.has(word)) problems.push(`line ${n}: unknown kickstart command ${word}`);
  });
  if (open) problems.push(`line ${open.line}: ${open.name} is never closed by %end`);
  return problems;
}

/** The bodies of %pre, %post and friends (not %packages), for `sh -n`. */
export function kickstartScripts(text: string): EmbeddedScript[] {
  const scripts: EmbeddedScript[] = [];
  let current: { where: string; lines: string[] } | undefined;
  for (const [index, line] of text.split("\n").entries()) {
    const word = line.trim().split(/\s+/)[0] ?? "";
    if (current && line.trim() === "%end") {
      scripts.push({ where: current.where, body: current.lines.join("\n") });
      current = undefined;
    } else if (current) {
      current.lines.push(line);
    } else if (["%pre", "%pre-install", "%post", "%onerror", "%traceback"].includes(word)) {
      current = { where: `${word} at line ${index + 1}`, lines: [] };
    }
  }
  return scripts;
}

const PRESEED_TYPES = new Set(["string", "boolean", "select", "multiselect", "note", "password", "text", "title", "error"]);

/** Preseed lines joined across backslash continuations, with their first line numbers. */
function preseedEntries(text: string): { line: number; text: string }[] {
  const entries: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split("\n").forEach((raw, index) => {
    const continued = raw.endsWith("\\");
    const part = continued ? raw.slice(0, -1) : raw;
    if (pending) pending.text += part;
    else pending = { line: index + 1, text: part };
    if (!continued) {
      entries.push(pending);
      pending = undefined;
    }
  });
  if (pending) entries.push(pending);
  return entries;
}

/** Problems of a preseed: malformed lines, unknown value types, unrendered template text. */
export function checkPreseed(text: string): string[] {
  const problems: string[] = [];
  for (const entry of preseedEntries(text)) {
    const line = entry.text.trim();
    if (line.includes("{{") || line.includes("}}")) problems.push(`line ${entry.line}: unrendered template text`);
    if (line === "" || line.startsWith("#")) continue;
    const [owner, question, type] = line.split(/\s+/);
    if (!owner || !question || !type) problems.push(`line ${entry.line}: expected "owner question type value"`);
    else if (!PRESEED_TYPES.has(type)) problems.push(`line ${entry.line}: unknown type ${type} for ${question}`);
  }
  return problems;
}

/** The shell commands of a preseed (early_command, late_command ...), for `sh -n`. */
export function preseedScripts(text: string): EmbeddedScript[] {
  const scripts: EmbeddedScript[] = [];
  for (const entry of preseedEntries(text)) {
    const match = /^\s*\S+\s+(\S*\/(early|late)_command)\s+string\s+(.*)$/s.exec(entry.text);
    if (match) scripts.push({ where: `${match[1]} at line ${entry.line}`, body: match[3]! });
  }
  return scripts;
}
