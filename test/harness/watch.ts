// Following what a machine and the master say while a boot runs: a serial console file tailed
// into clean lines, the master's JSON log lines, and "wait until X shows up, or say what we saw".
import { open, type FileHandle } from "node:fs/promises";

/** A line seen at a time (ms since epoch). */
export interface Seen<T> {
  readonly at: number;
  readonly value: T;
}

/** Collects items as they arrive and lets a test wait for one that matches. */
export interface Watch<T> {
  readonly items: readonly Seen<T>[];
  /** Adds an item (the sources call this). */
  push(value: T): void;
  /** The first item matching, now or later; rejects after timeoutMs or when `abort` fires. */
  waitFor(match: (value: T) => boolean, timeoutMs: number, label: string): Promise<Seen<T>>;
  /** The first item matching so far. */
  find(match: (value: T) => boolean): Seen<T> | undefined;
  /** Makes every pending and future waitFor reject with this reason (e.g. QEMU exited). */
  abort(reason: string): void;
}

/** Creates an empty watch; `describe` turns the tail of what was seen into an error's context. */
export function createWatch<T>(describe: (items: readonly Seen<T>[]) => string = () => ""): Watch<T> {
  const items: Seen<T>[] = [];
  const waiters = new Set<{ match: (v: T) => boolean; resolve: (s: Seen<T>) => void; reject: (e: Error) => void }>();
  let aborted: string | undefined;
  return {
    items,
    push(value) {
      const seen = { at: Date.now(), value };
      items.push(seen);
      for (const w of [...waiters]) if (w.match(value)) { waiters.delete(w); w.resolve(seen); }
    },
    find: (match) => items.find((s) => match(s.value)),
    waitFor(match, timeoutMs, label) {
      const found = items.find((s) => match(s.value));
      if (found) return Promise.resolve(found);
      if (aborted) return Promise.reject(new Error(`${label}: ${aborted}\n${describe(items)}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${label}: not seen within ${Math.round(timeoutMs / 1000)} s\n${describe(items)}`));
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (s: Seen<T>) => { clearTimeout(timer); resolve(s); },
          reject: (e: Error) => { clearTimeout(timer); reject(e); },
        };
        waiters.add(waiter);
      });
    },
    abort(reason) {
      aborted = reason;
      for (const w of [...waiters]) { waiters.delete(w); w.reject(new Error(`${reason}\n${describe(items)}`)); }
    },
  };
}

/** Removes terminal escapes (colours, cursor moves, charset switches) and carriage returns. */
export function stripTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78c]|\r/g, "");
}

/** Splits a byte stream into lines; the last partial line waits for its separator. */
export function lineSplitter(onLine: (line: string) => void, separator: RegExp | string = "\n"): (chunk: string) => void {
  let rest = "";
  return (chunk) => {
    const parts = (rest + chunk).split(separator);
    rest = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  };
}

/** Tails a file that another process writes (QEMU's -serial file:), polling; returns stop(). */
export function tailFile(path: string, onText: (text: string) => void, everyMs = 250): () => Promise<void> {
  let fh: FileHandle | undefined;
  let offset = 0;
  let busy: Promise<void> = Promise.resolve();
  const buf = Buffer.alloc(1 << 16);
  const poll = async () => {
    fh ??= await open(path, "r").catch(() => undefined);
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      onText(buf.subarray(0, bytesRead).toString("latin1"));
    }
  };
  const timer = setInterval(() => { busy = busy.then(poll).catch(() => undefined); }, everyMs);
  return async () => {
    clearInterval(timer);
    await busy;
    await poll().catch(() => undefined);
    await fh?.close();
  };
}

/** Where a serial console line ends: a newline or a cursor move to row;col. */
// eslint-disable-next-line no-control-regex
const SERIAL_LINE_END = /\n|\x1b\[\d+;\d+H/;

/** A serial console as clean, non-empty lines. */
export function watchSerial(path: string): { watch: Watch<string>; stop: () => Promise<void> } {
  const watch = createWatch<string>((items) => `last serial lines:\n${items.slice(-15).map((s) => `  | ${s.value}`).join("\n")}`);
  // The installer's full-screen UI (newt) moves the cursor instead of writing newlines: a move
  // to another row ends a line too, so its dialogs read as text.
  const split = lineSplitter((line) => {
    const clean = stripTerminal(line).trim();
    if (clean) watch.push(clean);
  }, SERIAL_LINE_END);
  return { watch, stop: tailFile(path, split) };
}

/** One JSON log record of the master (pino). */
export interface LogRecord {
  readonly msg: string;
  readonly level: number;
  readonly [field: string]: unknown;
}

/** Parses the master's JSON log lines as they arrive on a stream; non-JSON lines become { msg: line }. */
export function watchJsonLog(stream: NodeJS.ReadableStream, tee?: (line: string) => void): Watch<LogRecord> {
  const watch = createWatch<LogRecord>((items) => `last master log lines:\n${items.slice(-15).map((s) => `  | ${JSON.stringify(s.value)}`).join("\n")}`);
  stream.setEncoding("utf8");
  stream.on("data", lineSplitter((line) => {
    tee?.(line);
    if (!line.trim()) return;
    try {
      watch.push(JSON.parse(line) as LogRecord);
    } catch {
      watch.push({ msg: line, level: 0 });
    }
  }));
  return watch;
}
