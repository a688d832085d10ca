// Syslog messages as installers send them (busybox syslogd in debian-installer: RFC 3164;
// rsyslog in Anaconda: RFC 3164 or 5424). Pure and total: bad input gives undefined.

/** One parsed syslog line. */
export interface SyslogMessage {
  /** Facility (0-23) and severity (0-7) from the PRI. */
  readonly facility: number;
  readonly severity: number;
  /** The program (tag) that logged, when present: "anna", "main-menu", "anaconda" ... */
  readonly program?: string;
  readonly text: string;
}

const SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"] as const;

/** The name of a severity number. */
export function severityName(severity: number): string {
  return SEVERITIES[severity] ?? "info";
}

/** Parses one datagram; undefined when it has no valid PRI (RFC 3164 section 4.3.3 would guess; we count and drop). */
export function parseSyslog(datagram: Buffer | string): SyslogMessage | undefined {
  const line = (typeof datagram === "string" ? datagram : datagram.toString("utf8")).replace(/[\r\n\0]+$/, "");
  const pri = /^<(\d{1,3})>/.exec(line);
  if (!pri) return undefined;
  const value = Number(pri[1]);
  if (value > 191) return undefined;
  let rest = line.slice(pri[0].length);
  let program: string | undefined;
  const rfc5424 = /^1 \S+ \S+ (\S+) \S+ \S+ (?:-|\[.*?\]) ?/.exec(rest);
  if (rfc5424) {
    program = rfc5424[1] === "-" ? undefined : rfc5424[1];
    rest = rest.slice(rfc5424[0].length);
  } else {
    // RFC 3164: optional "Mmm dd hh:mm:ss", optional "host" (busybox leaves it out), then "tag[pid]: ".
    rest = rest.replace(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /, "");
    const TAG = /^([\w./-]{1,48})(\[\d+\])?: /;
    if (!TAG.test(rest) && TAG.test(rest.replace(/^\S+ /, ""))) rest = rest.replace(/^\S+ /, "");
    const tag = TAG.exec(rest);
    if (tag) {
      program = tag[1];
      rest = rest.slice(tag[0].length);
    }
  }
  return { facility: value >> 3, severity: value & 7, ...(program ? { program } : {}), text: rest.slice(0, 2000) };
}
