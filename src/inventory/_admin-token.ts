// The admin token: made at the master's first start, kept in <stateDir>/admin.token (mode 0600),
// where `maekin nodes` on the master finds it. Same strength as node tokens (see _tokens.ts).
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../state/index.js";
import { InventoryError } from "./_errors.js";
import { newSecret } from "./_tokens.js";

/** File name of the admin token inside the state dir. */
export const ADMIN_TOKEN_FILE = "admin.token";

/** The admin token file's path. */
export function adminTokenPath(stateDir: string): string {
  return join(stateDir, ADMIN_TOKEN_FILE);
}

/** Reads the admin token; throws InventoryError "admin-token" saying how to get one. */
export async function readAdminToken(stateDir: string): Promise<string> {
  const path = adminTokenPath(stateDir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist; `maekin serve` creates it at first start"
      : `cannot be read (${(err as Error).message}); run as root or pass --token`;
    throw new InventoryError("admin-token", `${path} ${why}`, { cause: err });
  }
  const token = text.trim();
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
    throw new InventoryError("admin-token", `${path} holds no valid token; delete it and restart maekin serve to make a new one`);
  }
  return token;
}

/** Returns the admin token, creating it (atomically, mode 0600) on first start. */
export async function ensureAdminToken(stateDir: string): Promise<string> {
  const path = adminTokenPath(stateDir);
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new InventoryError("admin-token", `cannot check ${path}: ${err.message}`, { cause: err });
  });
  if (!info) {
    const token = newSecret();
    await writeFileAtomic(path, `${token}\n`, 0o600);
    return token;
  }
  // Like ssh with a private key: a token others could read may be known, so refuse to use it.
  if ((info.mode & 0o077) !== 0) {
    throw new InventoryError("admin-token",
      `${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); delete it and restart to make a new token, or chmod 600 it if nobody else could have read it`);
  }
  return readAdminToken(stateDir);
}
