import type { PrismaClient, User } from "@repo/db";
import { mapDbErrors } from "../../http/db-errors.ts";
import { notFound } from "../../http/errors.ts";
import type { CreateUserBody, ListUsersQuery, UpdateUserBody } from "./schemas.ts";

export interface UserPage {
  data: User[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: number | null;
}

const messages = (id?: number) => ({
  unique: "A user with this email already exists",
  notFound: `No user with id ${id}`,
});

/** Users, by id order. Plain logic: no Express types; failures are HttpErrors. */
export function usersService({ db }: { db: PrismaClient }) {
  return {
    /** Keyset pagination: one row more than asked tells whether another page exists. */
    async list({ limit, cursor }: ListUsersQuery): Promise<UserPage> {
      const rows = await mapDbErrors(
        db.user.findMany({
          ...(cursor === undefined ? {} : { where: { id: { gt: cursor } } }),
          orderBy: { id: "asc" },
          take: limit + 1,
        }),
      );
      const data = rows.slice(0, limit);
      return { data, nextCursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
    },

    async get(id: number): Promise<User> {
      const user = await mapDbErrors(db.user.findUnique({ where: { id } }));
      if (!user) throw notFound(messages(id).notFound);
      return user;
    },

    create(input: CreateUserBody): Promise<User> {
      return mapDbErrors(db.user.create({ data: input }), messages());
    },

    update(id: number, input: UpdateUserBody): Promise<User> {
      return mapDbErrors(db.user.update({ where: { id }, data: input }), messages(id));
    },

    async remove(id: number): Promise<void> {
      await mapDbErrors(db.user.delete({ where: { id } }), messages(id));
    },
  };
}
