import type { PrismaClient } from "./client.ts";

/** Example users for development. Upserts by email, so running the seed again changes nothing. */
export const SEED_USERS = [
  { email: "ada@example.com", name: "Ada Lovelace" },
  { email: "grace@example.com", name: "Grace Hopper" },
  { email: "linus@example.com", name: "Linus Torvalds" },
] as const;

/**
 * The development admin. Its password, "admin-dev-password", is documented in the README: the
 * seed is development's only (`db seed` refuses production), and this is its argon2id hash at
 * the default cost (OWASP: 19 MiB, 2 passes), so no password is hashed when seeding.
 */
export const SEED_ADMIN = {
  email: "admin@example.com",
  name: "Admin",
  role: "admin",
  password: "admin-dev-password",
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$sjBfBubfwLj8HA9nh8OE3g$ueDr0wrqYWe0B2YKmXd1EjvyGgMUhJGapnl6rw6HxK8",
} as const;

export async function seed(client: PrismaClient): Promise<{ users: number }> {
  const { password: _, ...admin } = SEED_ADMIN;
  for (const user of [...SEED_USERS, admin]) {
    await client.user.upsert({ where: { email: user.email }, create: user, update: {} });
  }
  return { users: SEED_USERS.length + 1 };
}

/** Seeds only a database that has no users yet: a first `pnpm dev` shows data, later ones keep yours. */
export async function seedIfEmpty(client: PrismaClient): Promise<boolean> {
  if ((await client.user.count()) > 0) return false;
  await seed(client);
  return true;
}
