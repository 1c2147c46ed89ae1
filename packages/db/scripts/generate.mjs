// Generates the Prisma client into src/generated/prisma (git-ignored; run on `pnpm install`).
// The one place that knows how to run `prisma generate` without a native engine: the
// `prisma-client` generator needs none, but the CLI downloads the schema engine before any
// command unless told a binary exists. Any existing file will do; it is never executed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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

// `pnpm build` and `pnpm typecheck` both start here, and turbo may run them at the same time:
// two generators writing one folder would hand tsc a half-written client. So a client generated
// from this schema by this Prisma is left alone (and a plain `generate` costs nothing twice).
const args = process.argv.slice(2);
const outputDir = path.join(packageDir, "src/generated/prisma");
const stampFile = path.join(outputDir, ".generated-from");
const prismaVersion = JSON.parse(readFileSync(require.resolve("prisma/package.json"), "utf8")).version;
const stamp = createHash("sha256")
  .update(readFileSync(path.join(packageDir, "prisma/schema.prisma")))
  .update(prismaVersion)
  .digest("hex");
const upToDate =
  existsSync(path.join(outputDir, "client.ts")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp;
if (args.length === 0 && upToDate) process.exit(0);

const result = spawnSync(process.execPath, [cli, "generate", ...args], {
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
if (result.status === 0 && args.length === 0) writeFileSync(stampFile, stamp);
process.exit(result.status ?? 1);
