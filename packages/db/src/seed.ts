import type { PrismaClient } from "./client.ts";

/** Example users for development. Upserts by email, so running the seed again changes nothing. */
export const SEED_USERS = [
  { email: "ada@example.com", name: "Ada Lovelace" },
  { email: "grace@example.com", name: "Grace Hopper" },
  { email: "linus@example.com", name: "Linus Torvalds" },
] as const;

export async function seed(client: PrismaClient): Promise<{ users: number }> {
  for (const user of SEED_USERS) {
    await client.user.upsert({ where: { email: user.email }, create: user, update: {} });
  }
  return { users: SEED_USERS.length };
}

/** Seeds only a database that has no users yet: a first `pnpm dev` shows data, later ones keep yours. */
export async function seedIfEmpty(client: PrismaClient): Promise<boolean> {
  if ((await client.user.count()) > 0) return false;
  await seed(client);
  return true;
}
