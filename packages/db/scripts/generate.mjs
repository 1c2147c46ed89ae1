// Generates the Prisma client into src/generated/prisma (git-ignored; run on `pnpm install`).
// The one place that knows how to run `prisma generate` without a native engine: the
// `prisma-client` generator needs none, but the CLI downloads the schema engine before any
// command unless told a binary exists. Any existing file will do; it is never executed.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const packageDir = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  // A production install (no devDependencies) runs the compiled dist/, which has the client in it.
  console.log("@repo/db: the prisma CLI is not installed (production install?); client generation skipped");
  process.exit(0);
}

const result = spawnSync(process.execPath, [cli, "generate", ...process.argv.slice(2)], {
  cwd: packageDir,
  stdio: "inherit",
  env: {
    // biome-ignore lint/style/noProcessEnv: a process entry point handing its environment to a child
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
process.exit(result.status ?? 1);
