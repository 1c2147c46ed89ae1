import cluster from "node:cluster";
import type { Config } from "@repo/config";
import { createLogger, type Logger } from "@repo/logger";
import { runPrimary } from "./runtime/cluster.ts";
import { describeFailure, summary } from "./runtime/failure.ts";
import { serve } from "./runtime/http-server.ts";
import { loadConfigOrExit } from "./runtime/process.ts";
import { createService } from "./service.ts";

// Process entry point: the one place that reads the real environment and owns the process.
// With WEB_CONCURRENCY > 1 this process becomes a node:cluster primary that only supervises,
// and each worker runs this same file down the single-process path.
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });

if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
  runPrimary({ workers: config.WEB_CONCURRENCY, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
} else {
  await startServer(config, logger);
}

async function startServer(config: Config, logger: Logger): Promise<void> {
  const exit = (code: number) => logger.flush(() => process.exit(code));
  try {
    // prom-client is loaded only when metrics are on.
    const metricsModule = config.METRICS_ENABLED ? await import("./observability/metrics.ts") : undefined;
    const metrics = metricsModule?.createMetrics();
    const service = createService(config, { logger, ...(metrics ? { metrics } : {}) });
    const running = await serve(service);
    // With WEB_CONCURRENCY > 1 the workers share this port, so each scrape reads one worker.
    const metricsServer =
      metricsModule && metrics
        ? await metricsModule.serveMetrics({
            registry: metrics.registry,
            host: config.METRICS_HOST,
            port: config.METRICS_PORT,
          })
        : undefined;
    if (metricsServer) logger.info({ url: metricsServer.url }, `metrics on ${metricsServer.url}`);
    let stopping = false;
    const shutdown = (reason: string, code = 0) => {
      // A worker can get Ctrl-C's SIGINT and then the primary's SIGTERM: drain once.
      if (stopping) return;
      stopping = true;
      void metricsServer?.close();
      running.close(reason).then(
        (clean) => exit(clean ? code : 1),
        (err) => {
          logger.fatal({ err }, "shutdown failed");
          exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    // Express 5 routes rejected handlers to the error middleware; anything still unhandled is a
    // bug (e.g. a promise nobody awaited). Log it, drain, and exit 1 so the supervisor starts a
    // clean process. Node runs this handler in the async context of the rejected promise, so a
    // rejection that started inside a request is logged with that request's id.
    process.on("unhandledRejection", (reason) => {
      const requestId = service.context.find()?.requestId;
      logger.fatal({ err: reason, ...(requestId ? { requestId } : {}) }, "unhandled promise rejection: shutting down");
      shutdown("unhandledRejection", 1);
    });
  } catch (err) {
    // One message that says what to do; the error itself, stack and causes, at LOG_LEVEL=debug.
    const debug = logger.isLevelEnabled("debug");
    const hint = debug ? "" : " (LOG_LEVEL=debug logs the error in full)";
    const message = describeFailure(err, config) ?? `Failed to start: ${summary(err)}`;
    logger.fatal(debug ? { err } : {}, `${message}${hint}`);
    exit(1);
  }
}
