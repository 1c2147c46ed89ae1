import { z } from "zod";
import { decimal, isStorableText, STORABLE_TEXT } from "../../http/schemas.ts";

/** Ids are PostgreSQL `integer`s: anything larger could never match and would fail in the database. */
const MAX_ID = 2_147_483_647;
const id = decimal(1, MAX_ID);

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const name = z.string().trim().min(1).max(200).refine(isStorableText, STORABLE_TEXT).nullable();

export const userParams = z.strictObject({ id });

export const listUsersQuery = z.strictObject({
  limit: decimal(1, 100).default(20),
  /** The id of the last user of the previous page. */
  cursor: id.optional(),
});

export const createUserBody = z.strictObject({ email, name: name.optional() });

export const updateUserBody = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one of email, name" });

/** A user as the API returns it (responses only: documents the OpenAPI schema). */
export const userSchema = z
  .object({
    id: z.int().min(1),
    email: z.email(),
    name: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "User" });

export type ListUsersQuery = z.output<typeof listUsersQuery>;
export type CreateUserBody = z.output<typeof createUserBody>;
export type UpdateUserBody = z.output<typeof updateUserBody>;
