// Bearer tokens: read from the Authorization header, compared in constant time, never logged.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import { HttpError } from "./_errors.js";

/** The bearer token of a request; 401 with the expected form when there is none. */
export function bearer(req: Request): string {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, "send Authorization: Bearer <token>");
  return match[1]!;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** True when two secrets are equal; constant time in their content. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
