// The master's logger: JSON lines (pino), readable on a TTY; tokens and auth headers redacted.
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

/** Creates the logger; `pretty` for a terminal, JSON otherwise. */
export function createLogger(options: { pretty?: boolean; level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const config = {
    level: options.level ?? process.env.MAEKIN_LOG_LEVEL ?? "info",
    base: { service: "maekin" },
    redact: { paths: ["token", "*.token", "authorization", "*.authorization", "req.headers.authorization"], censor: "[redacted]" },
  };
  if (options.pretty) return pino(config, pretty({ colorize: true, sync: true, ignore: "pid,hostname,service", destination: options.destination ?? 2 }));
  // Asynchronous: a burst of requests costs one write per batch of lines, not a blocking write
  // each (a storm of 250 nodes spent 2% of the master's CPU in them). pino flushes what is
  // buffered when the process exits, also on a crash.
  return pino(config, options.destination ?? pino.destination({ dest: 2, sync: false }));
}

/** Adapts pino to the small logger ports of the protocol servers (msg first, fields second). */
export function portLogger(logger: Logger) {
  return {
    debug: (msg: string, fields?: Record<string, unknown>) => logger.debug(fields ?? {}, msg),
    info: (msg: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, msg),
    warn: (msg: string, fields?: Record<string, unknown>) => logger.warn(fields ?? {}, msg),
    error: (msg: string, fields?: Record<string, unknown>) => logger.error(fields ?? {}, msg),
  };
}
