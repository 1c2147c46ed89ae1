import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type HttpLogger, pinoHttp } from "pino-http";

export interface HttpLoggerOptions {
  logger: Logger;
  /** The request id, already chosen by the request-id middleware. */
  requestId: (req: IncomingMessage) => string;
}

type ExpressRequest = IncomingMessage & { originalUrl?: string };

/**
 * pino-http middleware: one line per finished request, and `req.log`, a child logger
 * bound to the request id, for everything logged while handling it.
 *
 * The request line carries what an access log needs (method, URL, client address, user
 * agent, status, duration), not every header: serialising and redacting whole header
 * objects on every request was the largest cost of the production middleware stack
 * (see docs/benchmarks.md). Headers stay available to `req.log` calls that ask for them.
 */
export function createHttpLogger({ logger, requestId }: HttpLoggerOptions): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    quietReqLogger: true,
    customAttributeKeys: { reqId: "requestId" },
    wrapSerializers: false,
    serializers: {
      req: (req: ExpressRequest) => ({
        method: req.method,
        url: req.originalUrl ?? req.url,
        remoteAddress: req.socket?.remoteAddress,
        userAgent: req.headers["user-agent"],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => {
      if (error || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "info";
    },
  });
}
