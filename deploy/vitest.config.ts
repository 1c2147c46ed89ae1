import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@repo/source"] },
  ssr: { resolve: { conditions: ["@repo/source"] } },
  // Generous bounds, not expectations: kubectl and the first load of kubernetes-models' compiled
  // schemas take seconds on a busy 2-core machine while turbo runs every package's tests at once.
  test: { include: ["test/**/*.test.ts"], exclude: ["test/faults/**"], testTimeout: 30_000, hookTimeout: 30_000 },
});
