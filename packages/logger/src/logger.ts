import { type DestinationStream, type Level, type Logger, pino } from "pino";
import { prettyDestination } from "./pretty.ts";

export type { Logger } from "pino";

/** Paths pino censors in every log line: credentials in headers, bodies and config. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  "*.password",
  "*.currentPassword",
  "*.passwordHash",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.secret",
  "password",
  "token",
  "SECRET_KEY",
  "*.SECRET_KEY",
  "*.SECRET_KEY_PREVIOUS",
  "config.DATABASE_URL",
];

export interface LoggerOptions {
  level: Level | "silent";
  /**
   * "json" (default): one JSON object per line. "pretty": human-readable lines, terminal or not
   * (an IDE console, `| tee`), one per request for the access log; for development.
   */
  format?: "pretty" | "json";
  /** Where the lines go (default: stdout). Tests pass a stream to capture them. */
  destination?: DestinationStream;
  /** Extra fields on every line, e.g. { service: "api" }. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid, ...options.base },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.format === "pretty") {
    // Synchronous writes: a developer's last lines before a crash or process.exit are not lost.
    return pino(settings, prettyDestination(options.destination ?? pino.destination({ dest: 1, sync: true })));
  }
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: false }));
}
