import { z } from "zod";

/** Ids are PostgreSQL `integer`s: anything larger could never match and would fail in the database. */
const MAX_ID = 2_147_483_647;
const id = z.coerce.number().int().min(1).max(MAX_ID);

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const name = z.string().trim().min(1).max(200).nullable();

export const userParams = z.strictObject({ id });

export const listUsersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The id of the last user of the previous page. */
  cursor: id.optional(),
});

export const createUserBody = z.strictObject({ email, name: name.optional() });

export const updateUserBody = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one of email, name" });

export type ListUsersQuery = z.output<typeof listUsersQuery>;
export type CreateUserBody = z.output<typeof createUserBody>;
export type UpdateUserBody = z.output<typeof updateUserBody>;
