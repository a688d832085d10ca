// Checks for the secrets a profile may carry: crypt(3) password hashes and SSH public keys.

// crypt(3) hashes the installers accept: yescrypt ($y$), SHA-512 ($6$) and SHA-256 ($5$).
const CRYPT = [
  /^\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,86}\$[./A-Za-z0-9]{43}$/,
  /^\$6\$(rounds=[0-9]{4,9}\$)?[^$:\n]{1,16}\$[./A-Za-z0-9]{86}$/,
  /^\$5\$(rounds=[0-9]{4,9}\$)?[^$:\n]{1,16}\$[./A-Za-z0-9]{43}$/,
];

/** The command an admin runs to turn a password into a hash we accept. */
export const HASH_HINT = "make one with `mkpasswd -m sha-512` (Debian package whois) or `openssl passwd -6`";

/** Why the text is not a crypt hash we accept, or undefined when it is one. */
export function passwordHashProblem(text: string): string | undefined {
  if (CRYPT.some((re) => re.test(text))) return undefined;
  if (/^\$(1|2[aby]?|md5)\$/.test(text)) return `uses a weak hash scheme; use $6$, $5$ or $y$: ${HASH_HINT}`;
  if (/^\$[y65]\$/.test(text)) return `is a malformed crypt hash; ${HASH_HINT}`;
  return `looks like a plaintext password, and maekin stores only hashes: ${HASH_HINT}`;
}

const KEY_TYPES = new Set([
  "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
]);

/** Why the text is not an OpenSSH public key line, or undefined when it is one. */
export function sshKeyProblem(text: string): string | undefined {
  const [type, blob] = text.trim().split(/\s+/);
  if (!type || !KEY_TYPES.has(type)) return `starts with "${type ?? ""}", not a known key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-*)`;
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return "has no base64 key after its type";
  const bytes = Buffer.from(blob, "base64");
  // The blob starts with its own type as an SSH string: uint32 length, then the name.
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  const inner = length > 0 && length < 64 ? bytes.subarray(4, 4 + length).toString("latin1") : "";
  if (inner !== type) return `has a key body that does not decode as ${type}; paste the whole line of the .pub file`;
  return undefined;
}
