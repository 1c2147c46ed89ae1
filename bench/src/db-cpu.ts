import { createDb } from "@repo/db";
import pg from "pg";
import { median, USER_BY_ID_SQL } from "./shared.ts";

/**
 * `pnpm --filter @repo/bench db-cpu <postgres-url> [errorFormat]`: CPU per read, no HTTP.
 * The same one-row read through raw pg, Prisma's findUnique and Prisma's $queryRaw, with one
 * caller (sequential) and with ten (where Prisma batches findUnique calls of the same tick);
 * process.cpuUsage() over 10,000 reads per variant, 3 interleaved rounds, medians. The database
 * needs the app's tables (`pnpm cli db migrate` and `db seed` with DATABASE_URL set).
 */
const [url, errorFormat = "minimal"] = process.argv.slice(2);
if (!url) throw new Error("usage: db-cpu <postgres-url> [minimal|colorless|pretty]");
const db = createDb({ url, poolMax: 10, timeoutMs: 5000, errorFormat: errorFormat as "minimal" });
await db.start();
const pool = new pg.Pool({ connectionString: url, max: 10 });
const id = (await pool.query<{ id: number }>("SELECT min(id) AS id FROM users")).rows[0]?.id ?? 1;

const reads: Record<string, () => Promise<unknown>> = {
  pg: async () => (await pool.query(USER_BY_ID_SQL, [id])).rows[0],
  findUnique: () => db.client.user.findUnique({ where: { id } }),
  // The same SQL as USER_BY_ID_SQL, as Prisma's tagged template.
  $queryRaw: () =>
    db.client
      .$queryRaw`SELECT id, email, name, created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = ${id}`,
};

async function cpuPerRead(read: () => Promise<unknown>, callers: number, count: number): Promise<number> {
  let started = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started++ < count) await read();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

console.log(`CPU µs per read (errorFormat ${errorFormat}), median of 3 rounds of 10,000`);
for (const callers of [1, 10]) {
  for (const read of Object.values(reads)) await cpuPerRead(read, callers, 2000); // warm-up
  const samples = new Map(Object.keys(reads).map((name) => [name, [] as number[]]));
  for (let round = 0; round < 3; round++) {
    for (const [name, read] of Object.entries(reads)) samples.get(name)?.push(await cpuPerRead(read, callers, 10_000));
  }
  const line = [...samples].map(([name, values]) => `${name} ${median(values).toFixed(0)}`).join(", ");
  console.log(`${callers === 1 ? "1 caller: " : "10 callers:"} ${line}`);
}
await pool.end();
await db.stop();
