import cluster from "node:cluster";
import { type Config, ConfigError, loadConfig } from "@repo/config";
import { ExtensionRegistry } from "@repo/extensions";
import { createLogger, type Logger } from "@repo/logger";
import { createApp } from "./app.ts";
import { runPrimary } from "./cluster.ts";
import { databaseFromConfig } from "./database.ts";
import { createRequestContext } from "./http/context.ts";
import { serve } from "./serve.ts";

// Process entry point: the one place that reads the real environment and owns the process.
// With WEB_CONCURRENCY > 1 this process becomes a node:cluster primary that only supervises,
// and each worker runs this same file down the single-process path.
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });

if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
  runPrimary({ workers: config.WEB_CONCURRENCY, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
} else {
  await startServer(config, logger);
}

async function startServer(config: Config, logger: Logger): Promise<void> {
  const registry = new ExtensionRegistry({
    checkTimeoutMs: config.READY_TIMEOUT_MS,
    onStopError: (name, err) => logger.error({ err, extension: name }, "extension failed to stop"),
  });
  const exit = (code: number) => logger.flush(() => process.exit(code));
  try {
    const db = databaseFromConfig(config, { logger });
    registry.register(db);
    // prom-client is loaded only when metrics are on.
    const metricsModule = config.METRICS_ENABLED ? await import("./metrics.ts") : undefined;
    const metrics = metricsModule?.createMetrics();
    const context = createRequestContext();
    const app = createApp({ config, logger, registry, db: db.client, metrics, context });
    const running = await serve({ config, logger, registry, app });
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
      const requestId = context.find()?.requestId;
      logger.fatal({ err: reason, ...(requestId ? { requestId } : {}) }, "unhandled promise rejection: shutting down");
      shutdown("unhandledRejection", 1);
    });
  } catch (err) {
    logger.fatal({ err }, "failed to start");
    exit(1);
  }
}
