import path from "node:path";
import { defineConfig } from "prisma/config";

// For the plain Prisma CLI (`pnpm --filter @repo/db prisma:*`), which talks to PostgreSQL
// at DATABASE_URL. The app and `pnpm cli db ...` do not read this file.
try {
  process.loadEnvFile(path.resolve(import.meta.dirname, "../../.env"));
} catch {
  // no .env: the environment alone configures the CLI
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "node --conditions=@repo/source scripts/seed.ts",
  },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
