import { defineConfig } from "vitest/config";

// Real server processes (PGlite, WASM schema engine) and tsc: generous bounds, so a loaded CI
// machine is slow, not red.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
