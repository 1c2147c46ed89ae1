import { defineConfig } from "vitest/config";

// The API server the contract tests use (development profile, own PGlite folder): one per run.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["../contract/test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
