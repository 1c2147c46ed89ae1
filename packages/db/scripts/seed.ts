// `prisma db seed` (plain Prisma CLI route, see prisma.config.ts): seeds PostgreSQL at DATABASE_URL.
// The app's own route is `pnpm cli db seed`, which reads the configuration like the server does.
import { createDb, seed } from "../src/index.ts";

// biome-ignore lint/style/noProcessEnv: a standalone entry point run by the Prisma CLI, which passes DATABASE_URL
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is not set: the Prisma CLI route works on PostgreSQL only\n");
  process.exit(1);
}
const db = createDb({ url, poolMax: 1, timeoutMs: 10_000 });
await db.start();
try {
  console.log(`Seeded ${(await seed(db.client)).users} users.`);
} finally {
  await db.stop();
}
