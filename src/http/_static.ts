// Serving a file over HTTP the way firmware and installers need it: Content-Length, HEAD,
// single byte ranges (RFC 9110 section 14), ETag and If-None-Match, streamed in constant memory.
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { AssetFile } from "../assets/index.js";

/**
 * Read buffer for asset streams: large reads keep syscalls per GB low (a plain stream with big
 * buffers beat express.static 2.5x), but each open stream holds one; 1 MiB made 500 slow readers
 * cost ~900 MB of RSS in the benchmark, so 256 KiB.
 */
const CHUNK = 256 * 1024;

/** A byte range [start, end] inclusive, or "unsatisfiable", or undefined for the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined; // multi-range or junk: whole file is allowed
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

/** The weak ETag of a file version. */
export function etagOf(file: AssetFile): string {
  return `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
}

/** Sends a file (or the requested range of it); resolves when done or when the client left. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: AssetFile, contentType: string): Promise<void> {
  const etag = etagOf(file);
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Last-Modified", new Date(file.mtimeMs).toUTCString());
  res.setHeader("Content-Type", contentType);
  if (req.headers["if-none-match"] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const ifRange = req.headers["if-range"];
  const range = ifRange && ifRange !== etag ? undefined : parseRange(req.headers.range, file.size);
  if (range === "unsatisfiable") {
    res.statusCode = 416;
    res.setHeader("Content-Range", `bytes */${file.size}`);
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader("Content-Range", `bytes ${start}-${end}/${file.size}`);
  res.setHeader("Content-Length", String(Math.max(0, end - start + 1)));
  if (req.method === "HEAD" || file.size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file.path, { start, end, highWaterMark: CHUNK }), res);
  } catch {
    // The client went away mid-transfer (ERR_STREAM_PREMATURE_CLOSE): nothing to send, nothing to log.
  }
}
