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
 *   @repo/logger), so tracing sees them when OTEL_EXPORTER_OTLP_ENDPOINT is set, and the SDK;
 *   @prisma/instrumentation too, which needs its own @opentelemetry/instrumentation version;
 *   A new instrumentation in src/observability/tracing.ts needs its module listed here too;
 * - @repo/db, which finds its migrations and PGlite's WASM next to its own files;
 * - @node-rs/argon2, a native addon that loads its platform's binary package at run time.
 */
export default defineConfig({
  // paths: the probe paths, which docker/healthcheck.mjs imports by this stable name.
  input: {
    server: "dist/server.js",
    instrumentation: "dist/instrumentation.js",
    cli: "dist/cli.js",
    paths: "dist/paths.js",
  },
  platform: "node",
  external: ["express", /^@repo\/(db|logger)$/, /^@opentelemetry\//, "@prisma/instrumentation", /^@node-rs\//],
  output: { dir: "bundle", format: "esm", sourcemap: true, cleanDir: true },
  logLevel: "warn",
});
