import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "@repo/config";
import type { ExtensionRegistry } from "@repo/extensions";
import type { Logger } from "@repo/logger";
import type { Express } from "express";

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Graceful stop: readiness turns 503, the listener closes, in-flight requests finish
   * (bounded by SHUTDOWN_TIMEOUT_MS), then extensions stop in reverse order.
   * Resolves true when everything drained in time.
   */
  close(reason: string): Promise<boolean>;
}

type ServeOptions = { config: Config; logger: Logger; registry: ExtensionRegistry; app: Express };

/** Starts the extensions, then listens on HOST:PORT with the configured timeouts. */
export async function serve({ config, logger, registry, app }: ServeOptions): Promise<RunningServer> {
  await registry.start();
  const server = createServer(
    {
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
    },
    app,
  );
  let closing = false;
  // Responses not yet sent. When draining starts they switch to `Connection: close`, so
  // keep-alive clients reconnect elsewhere and their sockets do not hold the drain open.
  const pending = new Set<ServerResponse>();
  server.prependListener("request", (_req, res: ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    pending.add(res);
    res.once("finish", () => pending.delete(res)).once("close", () => pending.delete(res));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await registry.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, profile: config.APP_ENV }, `listening on ${url}`);

  const close = async (reason: string): Promise<boolean> => {
    if (closing) return false;
    closing = true;
    logger.info({ reason }, "shutting down: draining in-flight requests");
    registry.beginShutdown();
    for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
    const drained = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS);
    });
    server.closeIdleConnections();
    const clean = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown timeout: closing remaining connections");
      server.closeAllConnections();
    }
    await registry.stop();
    logger.info({ clean }, "stopped");
    return clean;
  };

  return { server, url, close };
}
