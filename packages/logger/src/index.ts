export { createHttpLogger, type HttpLoggerOptions } from "./http.ts";
export { createLogger, type Logger, type LoggerOptions, REDACT_PATHS } from "./logger.ts";
