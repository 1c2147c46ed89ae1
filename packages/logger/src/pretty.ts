import { createRequire } from "node:module";
import type { DestinationStream } from "pino";
import type { PrettyOptions } from "pino-pretty";

// pino-pretty is loaded only for pretty output: JSON logs (production) never pay for it.
const require = createRequire(import.meta.url);

/** The fields of an access-log line (createHttpLogger). */
interface AccessLine {
  msg?: string;
  requestId?: string;
  req: { method?: string; url?: string };
  res: { statusCode?: number };
  responseTime: number;
}

const isAccessLine = (log: Record<string, unknown>): log is Record<string, unknown> & AccessLine =>
  typeof log.responseTime === "number" && typeof log.req === "object" && typeof log.res === "object";

/**
 * Human-readable lines for a developer, whether or not the output is a terminal: pino-pretty in
 * this process, writing to `destination`. An access-log line becomes one line
 * ("GET /api/v1/users 200 3 ms <request id>") instead of the dozen pino-pretty prints for its
 * fields; every other line keeps pino-pretty's layout, fields included.
 */
export function prettyDestination(destination: DestinationStream & { flush?: (cb: () => void) => void }) {
  const { prettyFactory } = require("pino-pretty") as typeof import("pino-pretty");
  const common: PrettyOptions = { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" };
  const line = prettyFactory(common);
  const accessLine = prettyFactory({
    ...common,
    hideObject: true,
    messageFormat: (log) => {
      const { req, res, responseTime, requestId, msg } = log as unknown as AccessLine;
      const outcome = msg === "request aborted" ? "aborted" : String(res.statusCode);
      return `${req.method} ${req.url} ${outcome} ${responseTime} ms${requestId ? ` ${requestId}` : ""}`;
    },
  });
  return {
    write(json: string) {
      const log = JSON.parse(json) as Record<string, unknown>;
      destination.write(isAccessLine(log) ? accessLine(log) : line(log));
    },
    flush(cb: () => void) {
      if (destination.flush) destination.flush(cb);
      else cb();
    },
  };
}
