import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@repo/source"] },
  ssr: { resolve: { conditions: ["@repo/source"] } },
  // Real engines, databases and child processes: generous bounds, so a loaded CI machine is slow, not red.
  test: {
    // Vitest leaves a core free by default; these files wait on I/O and child processes, so use both.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ["test/**/*.test.ts"],
    // Fault injection (real processes, PostgreSQL servers, load) runs apart: `pnpm test:faults`.
    exclude: ["test/faults/**"],
    globalSetup: ["test/global-setup.ts"],
  },
});
