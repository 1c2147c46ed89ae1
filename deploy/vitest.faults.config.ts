import { defineConfig } from "vitest/config";

// `pnpm test:faults`: real API processes, PostgreSQL, Redis and nginx under load. Slow and
// process-heavy, so not part of `pnpm test`; one file at a time.
export default defineConfig({
  resolve: { conditions: ["@repo/source"] },
  ssr: { resolve: { conditions: ["@repo/source"] } },
  test: { include: ["test/faults/**/*.test.ts"], fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 },
});
