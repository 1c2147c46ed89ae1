import { defineConfig } from "rolldown";

/**
 * `pnpm build` bundles the compiled server (dist/) into bundle/, which `pnpm start` and the
 * Docker image run: a few files to load instead of hundreds to resolve and read, which takes
 * start-up from ~325 ms to ~275 ms (docs/benchmarks.md). bundle/ sits next to dist/ so the app
 * finds views/ and public/ the same way from both. The CLI is bundled too (bundle/cli.js), so the
 * image ships only the packages left external below (docker/prune-runtime-deps.mjs).
 *
 * Left out, and loaded from node_modules as usual:
 * - the modules OpenTelemetry patches as they load (express; pg and pino through @repo/db and
 *   @repo/logger), so tracing sees them when OTEL_EXPORTER_OTLP_ENDPOINT is set, and the SDK.
 *   A new instrumentation in src/telemetry.ts needs its module listed here too;
 * - @repo/db, which finds its migrations and PGlite's WASM next to its own files.
 */
export default defineConfig({
  input: { server: "dist/server.js", instrumentation: "dist/instrumentation.js", cli: "dist/cli.js" },
  platform: "node",
  external: ["express", /^@repo\/(db|logger)$/, /^@opentelemetry\//],
  output: { dir: "bundle", format: "esm", sourcemap: true, cleanDir: true },
  logLevel: "warn",
});
