import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { type HttpLogger, pinoHttp } from "pino-http";

export interface HttpLoggerOptions {
  logger: Logger;
  /** The request id, already chosen by the request-id middleware. */
  requestId: (req: IncomingMessage) => string;
}

/**
 * pino-http middleware: one line per finished request, and `req.log`, a child logger
 * bound to the request id, for everything logged while handling it.
 */
export function createHttpLogger({ logger, requestId }: HttpLoggerOptions): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    quietReqLogger: true,
    customAttributeKeys: { reqId: "requestId" },
    customLogLevel: (_req, res, error) => {
      if (error || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "info";
    },
  });
}
