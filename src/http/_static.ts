// Serving a file over HTTP the way firmware and installers need it: Content-Length, HEAD,
// single byte ranges (RFC 9110 section 14), ETag with If-None-Match, Last-Modified with
// If-Modified-Since. Files up to the cache's limit are sent from memory (one shared copy however
// many clients), bigger ones are streamed through a small shared pool of read buffers: either
// way memory does not grow with the number of clients.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AssetFile } from "../assets/index.js";
import { createFileCache, type FileCache } from "./_file-cache.js";
import { createBufferPool, streamRange, type BufferPool } from "./_file-stream.js";

/** Where sendFile gets its bytes: the defaults are shared by every route of the process. */
export interface SendFileOptions {
  readonly cache?: FileCache;
  readonly pool?: BufferPool;
}

const shared = { cache: createFileCache(), pool: createBufferPool() };

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
    // RFC 9110 section 14.1.1: a last position below the first makes the range invalid, and an
    // invalid Range header is ignored (the whole file), not refused.
    if (match[2] !== "" && Number(match[2]) < start) return undefined;
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/** The weak ETag of a file version. */
export function etagOf(file: AssetFile): string {
  return `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
}

/** True when an If-None-Match list names `etag` (weak comparison) or is "*". */
function matchesEtag(header: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.trim() === "*" || header.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/** RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since only without it. */
function notModified(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const inm = req.headers["if-none-match"];
  if (inm !== undefined) return matchesEtag(inm, etag);
  const ims = req.headers["if-modified-since"];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** Sends a file (or the requested range of it); resolves when done or when the client left. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: AssetFile, contentType: string, options: SendFileOptions = {}): Promise<void> {
  const etag = etagOf(file);
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Last-Modified", new Date(file.mtimeMs).toUTCString());
  res.setHeader("Content-Type", contentType);
  if (notModified(req, etag, file.mtimeMs)) {
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
  const body = await (options.cache ?? shared.cache).get(file);
  if (body) {
    // One write of a view into the shared copy: libuv hands the kernel as much as it takes per syscall.
    await new Promise<void>((resolve) => {
      res.once("close", resolve);
      res.end(body.subarray(start, end + 1));
    });
    return;
  }
  await streamRange(res, file.path, start, end, options.pool ?? shared.pool).catch(() => {
    // The client went away, or the file vanished after its stat: nothing more to send.
    if (!res.headersSent) res.statusCode = 500;
    res.destroy();
  });
}
