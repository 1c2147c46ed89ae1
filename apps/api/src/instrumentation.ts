// Preloaded with `node --import ./src/instrumentation.ts` (bundle/instrumentation.js in production)
// so tracing is set up before the app's modules load. Without OTEL_EXPORTER_OTLP_ENDPOINT it
// imports nothing else: no OpenTelemetry SDK, no patching, no cost.
import { loadConfig } from "@repo/config";

let endpoint: string | undefined;
let serviceName = "api";
try {
  const config = loadConfig();
  endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  serviceName = config.OTEL_SERVICE_NAME;
} catch {
  // An invalid configuration is reported by the entry point itself (server.ts, cli.ts).
}

if (endpoint) {
  const { startTracing } = await import("./observability/tracing.ts");
  const tracing = startTracing({ serviceName, endpoint });
  // Best effort: spans still batched when the process exits are flushed on a signal-less exit.
  process.once("beforeExit", () => void tracing.shutdown());
}
