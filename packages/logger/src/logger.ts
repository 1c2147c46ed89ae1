import { type DestinationStream, type Level, type Logger, pino } from "pino";

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
  /** Human-readable output; only honoured when stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go (default: stdout). Tests pass a stream to capture them. */
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
  if (options.destination) return pino(settings, options.destination);
  if (options.pretty && process.stdout.isTTY) {
    return pino({ ...settings, transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } });
  }
  return pino(settings, pino.destination({ dest: 1, sync: false }));
}
