import { defineConfig } from "vitest/config";

// `pnpm test:faults`: fault-injection tests against the real server process (src/server.ts on the
// TypeScript sources, `node --conditions=@repo/source`, or the production build, bundle/server.js,
// which the global setup builds), their own PostgreSQL servers and load from autocannon. Slow and
// process-heavy, so not part of `pnpm test`; one file at a time.
export default defineConfig({
  resolve: { conditions: ["@repo/source"] },
  ssr: { resolve: { conditions: ["@repo/source"] } },
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/faults/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
