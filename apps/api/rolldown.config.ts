import { isBuiltin } from "node:module";
import { defineConfig, type Plugin } from "rolldown";

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
  external: ["express", /^@repo\/(db|logger)$/, /^@opentelemetry\//, "@prisma/instrumentation", "@node-rs/argon2"],
  plugins: [externalsManifest()],
  output: { dir: "bundle", format: "esm", sourcemap: true, cleanDir: true },
  logLevel: "warn",
});

/** A bare specifier's package: "@scope/name/sub" → "@scope/name", "name/sub" → "name". */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * Writes bundle/externals.json: the packages the bundles load from node_modules at run time, as
 * rolldown knows them (each chunk's external imports and import()s), plus those they locate with
 * import.meta.resolve (Scalar's browser bundle). docker/prune-runtime-deps.mjs keeps these and
 * what they depend on. An import rolldown could not resolve (an optional peer nobody installed,
 * such as @redis/client's `import("@node-rs/xxhash")` in a try) is listed apart: it fails at run
 * time as it does in development, and the code around it expects that.
 */
function externalsManifest(): Plugin {
  const unresolved = new Set<string>();
  return {
    name: "externals-manifest",
    async resolveId(source, importer, options) {
      if (importer === undefined || !/^[@\w]/.test(source) || isBuiltin(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved === null) unresolved.add(packageOf(source));
      return resolved;
    },
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((file) => (file.type === "chunk" ? [file] : []));
      const own = new Set(chunks.map((chunk) => chunk.fileName));
      const located = chunks.flatMap((chunk) =>
        [...chunk.code.matchAll(/import\.meta\.resolve\(\s*["']([^"'.][^"']*)["']\s*\)/g)].map(
          (match) => match[1] ?? "",
        ),
      );
      const ids = chunks.flatMap((chunk) => [...chunk.imports, ...chunk.dynamicImports]).concat(located);
      const packages = new Set(ids.filter((id) => !own.has(id) && !isBuiltin(id)).map(packageOf));
      const manifest = {
        load: [...packages].filter((name) => !unresolved.has(name)).sort(),
        unresolved: [...unresolved].sort(),
      };
      this.emitFile({ type: "asset", fileName: "externals.json", source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
  };
}
