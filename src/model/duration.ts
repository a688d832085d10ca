// Durations as operators write them: "90s", "30m", "1h", "7d", or a bare number of seconds.

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds for the text or number, or undefined when it is no duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^([0-9]+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2] || "s"]!;
  return seconds > 0 ? seconds : undefined;
}
