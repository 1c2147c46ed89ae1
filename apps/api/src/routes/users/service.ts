import type { PrismaClient, User } from "@repo/db";
import { withDbErrorWords } from "../../http/db-errors.ts";
import { notFound } from "../../http/errors.ts";
import type { CreateUserBody, ListUsersQuery, UpdateUserBody, UserPage } from "./schemas.ts";

const EMAIL_TAKEN = "A user with this email already exists";
const noUser = (id: number) => `No user with id ${id}`;

/**
 * Users, by id order. Plain logic: no Express types; failures are HttpErrors. A database outage
 * needs no handling here: the error handler answers it with a 503 for every query.
 */
export function usersService({ db }: { db: PrismaClient }) {
  return {
    /** Keyset pagination: one row more than asked tells whether another page exists. */
    async list({ limit, cursor }: ListUsersQuery): Promise<UserPage> {
      const rows = await db.user.findMany({
        ...(cursor === undefined ? {} : { where: { id: { gt: cursor } } }),
        orderBy: { id: "asc" },
        take: limit + 1,
      });
      const data = rows.slice(0, limit);
      return { data, nextCursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
    },

    async get(id: number): Promise<User> {
      const user = await db.user.findUnique({ where: { id } });
      if (!user) throw notFound(noUser(id));
      return user;
    },

    create(input: CreateUserBody): Promise<User> {
      return withDbErrorWords(db.user.create({ data: input }), { unique: EMAIL_TAKEN });
    },

    update(id: number, input: UpdateUserBody): Promise<User> {
      return withDbErrorWords(db.user.update({ where: { id }, data: input }), {
        unique: EMAIL_TAKEN,
        notFound: noUser(id),
      });
    },

    async remove(id: number): Promise<void> {
      await withDbErrorWords(db.user.delete({ where: { id } }), { notFound: noUser(id) });
    },
  };
}
