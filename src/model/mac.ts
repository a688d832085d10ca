// MAC addresses: accepted as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or bare hex,
// and kept in exactly one form from the moment they are read: lower-case, colon-separated.

const FORMS = [
  /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{4}(\.[0-9a-f]{4}){2}$/i,
  /^[0-9a-f]{12}$/i,
];

/** The canonical lower-case colon form of a MAC, or undefined when the text is no MAC. */
export function normalizeMac(text: string): string | undefined {
  const trimmed = text.trim();
  if (!FORMS.some((re) => re.test(trimmed))) return undefined;
  const hex = trimmed.replace(/[:.-]/g, "").toLowerCase();
  return hex.match(/../g)!.join(":");
}

/** The canonical colon form of six raw bytes (as carried in chaddr). */
export function macFromBytes(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}
