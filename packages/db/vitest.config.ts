import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@repo/source"] },
  ssr: { resolve: { conditions: ["@repo/source"] } },
  // Real engines, databases and child processes: generous bounds, so a loaded CI machine is slow, not red.
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ["test/**/*.test.ts"],
    globalSetup: ["src/vitest-global-setup.ts"],
  },
});
