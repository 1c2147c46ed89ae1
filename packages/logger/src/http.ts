import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

declare module "node:http" {
  interface IncomingMessage {
    /** The request id: the request-id middleware's, or `HttpLoggerOptions.requestId`'s. */
    id: string;
    /** A child logger whose every line carries `requestId`. */
    log: Logger;
  }
}

export interface HttpLoggerOptions {
  logger: Logger;
  /** The request id, when no earlier middleware set `req.id`. */
  requestId: (req: IncomingMessage) => string;
  /** More fields for the access line, read once the response is done (e.g. the signed-in user's id). */
  fields?: (req: IncomingMessage) => Record<string, unknown> | undefined;
  /**
   * How long the line of a request whose client went away waits for the app's answer (its
   * outcome) before it is written without one, `outcome: "unknown"`; default 30 s.
   */
  abortedWaitMs?: number;
}

export type HttpLogger = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

type ExpressRequest = IncomingMessage & { originalUrl?: string };

/**
 * The access log: one line per request once its response is done (info, warn for 4xx, error
 * for 5xx), or, when the connection went before the answer was delivered, a warn line "request
 * aborted" written once the app has answered, with the status it answered (the outcome the
 * client never saw); and `req.log`, a child logger bound to the request id, for everything
 * logged while handling it.
 *
 * This is what pino-http did here, minus the work no request needs, which made it the largest
 * cost of the middleware stack (docs/benchmarks.md): pino-http builds two child loggers per
 * request (the second one serialising the request into its bindings) and writes the line
 * through them with redaction. Here `req.log` is one child, and the line is written by a
 * logger without redaction paths, because it only carries the fields picked below (method,
 * URL, client address, user agent, status, duration), none of which a redaction path names;
 * the URL's secret-looking query parameters (?token=, ?api_key=, ...) are redacted here instead.
 */
export function createHttpLogger({ logger, requestId, fields, abortedWaitMs = 30_000 }: HttpLoggerOptions): HttpLogger {
  const access = logger.child({}, { redact: [] });
  return (req: ExpressRequest, res, next) => {
    const started = performance.now();
    req.id ??= requestId(req);
    req.log = logger.child({ requestId: req.id });
    const log = (extra?: { outcome: "unknown" }) => {
      const { statusCode, writableFinished: finished } = res;
      const level = !finished ? "warn" : statusCode >= 500 ? "error" : statusCode >= 400 ? "warn" : "info";
      const message = !finished ? "request aborted" : statusCode >= 500 ? "request errored" : "request completed";
      access[level](
        {
          requestId: req.id,
          ...fields?.(req),
          req: {
            method: req.method,
            url: redactQuery(req.originalUrl ?? req.url ?? ""),
            remoteAddress: req.socket.remoteAddress,
            userAgent: req.headers["user-agent"],
          },
          res: { statusCode },
          responseTime: Math.round(performance.now() - started),
          ...extra,
        },
        message,
      );
    };
    res.once("close", () => {
      if (res.writableEnded) {
        log();
        return;
      }
      // The connection went before the app answered, and the app may still be doing the work
      // (a write that will be applied): the line waits for its answer, so it tells the outcome;
      // one that never comes (a stream dropped on abort, a hung handler) still gets its line.
      const end = res.end;
      const unanswered = setTimeout(() => {
        res.end = end;
        log({ outcome: "unknown" });
      }, abortedWaitMs).unref();
      res.end = ((...args: Parameters<typeof end>) => {
        clearTimeout(unanswered);
        res.end = end;
        const result = end.apply(res, args);
        log();
        return result;
      }) as typeof end;
    });
    next?.();
  };
}

// Query parameter names that look like they carry a secret, matched case-insensitively: these
// anywhere in the name (access_token, client_secret, X-Amz-Signature, sessionId, apiKey) ...
const SECRET_NAME_PARTS = /token|secret|passw|pwd|signature|credential|session|api_?key|jwt|private/i;
// ... and these as a whole word of it (code, sig, auth, key in "key" or "signing_key"), so
// "monkey", "zipcode" or "author" stay readable.
const SECRET_NAME_WORDS = new Set(["key", "code", "sig", "auth", "authorization", "otp", "pin", "sid", "pass", "hash"]);
const REDACTED = "[redacted]";

function isSecretName(raw: string): boolean {
  let name = raw;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    // Malformed escapes: judge the name as written.
  }
  if (SECRET_NAME_PARTS.test(name)) return true;
  // Words: split on anything but letters and digits, and between camelCase humps.
  return name.split(/[^a-zA-Z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).some((word) => SECRET_NAME_WORDS.has(word.toLowerCase()));
}

/**
 * The URL as logged: the values of secret-looking query parameters replaced by "[redacted]",
 * everything else as the client sent it (a URL without a query string is returned as is).
 */
function redactQuery(url: string): string {
  const start = url.indexOf("?");
  if (start === -1 || start === url.length - 1) return url;
  const pairs = url
    .slice(start + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      if (equals === -1 || !isSecretName(pair.slice(0, equals))) return pair;
      return `${pair.slice(0, equals + 1)}${REDACTED}`;
    });
  return `${url.slice(0, start + 1)}${pairs.join("&")}`;
}
