import { ConfigError, loadConfig } from "@repo/config";
import { ExtensionRegistry } from "@repo/extensions";
import { createLogger } from "@repo/logger";
import { createApp } from "./app.ts";
import { serve } from "./serve.ts";

// Process entry point: the one place that reads the real environment and owns the process.
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.APP_ENV === "development" });
const registry = new ExtensionRegistry({
  checkTimeoutMs: config.READY_TIMEOUT_MS,
  onStopError: (name, err) => logger.error({ err, extension: name }, "extension failed to stop"),
});

try {
  const app = createApp({ config, logger, registry });
  const running = await serve({ config, logger, registry, app });
  const shutdown = (signal: NodeJS.Signals) => {
    running.close(signal).then(
      (clean) => logger.flush(() => process.exit(clean ? 0 : 1)),
      (err) => {
        logger.fatal({ err }, "shutdown failed");
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush(() => process.exit(1));
}
