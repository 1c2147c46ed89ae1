import { PASSWORD_LENGTH } from "@repo/auth";
import { z } from "zod";
import { decimal, isStorableText, STORABLE_TEXT } from "../../http/schemas.ts";

/** Ids are PostgreSQL `integer`s: anything larger could never match and would fail in the database. */
const MAX_ID = 2_147_483_647;
const id = decimal(1, MAX_ID);

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email())
  .meta({ description: "Unique; stored trimmed and in lower case", examples: ["ada@example.org"] });
const name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(isStorableText, STORABLE_TEXT)
  .nullable()
  .meta({ description: "Display name; null for none", examples: ["Ada Lovelace"] });

/** A password as a user chooses it: length bounds only (NIST SP 800-63B), checked before any hashing. */
export const newPassword = z
  .string()
  .min(PASSWORD_LENGTH.min, { message: `must be at least ${PASSWORD_LENGTH.min} characters` })
  .max(PASSWORD_LENGTH.max, { message: `must be at most ${PASSWORD_LENGTH.max} characters` })
  .meta({
    description: `${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters; stored only as an argon2id hash`,
    examples: ["correct horse battery staple"],
  });

const role = z.enum(["user", "admin"]).meta({ description: "admin: may read and change every account" });

export const userParams = z.strictObject({ id: id.meta({ description: "The user's id", examples: [1] }) });

export const listUsersQuery = z.strictObject({
  limit: decimal(1, 100)
    .default(20)
    .meta({ description: "Users per page", examples: [20] }),
  cursor: id.optional().meta({ description: "The `nextCursor` of the previous page", examples: [20] }),
});

export const createUserBody = z
  .strictObject({
    email,
    name: name.optional(),
    password: newPassword
      .optional()
      .meta({ description: "Required to sign up; an admin may create an account without one" }),
    role: role.optional().meta({ description: "Only an admin may create an admin" }),
  })
  .meta({ examples: [{ email: "ada@example.org", name: "Ada Lovelace", password: "correct horse battery staple" }] });

export const updateUserBody = z
  .strictObject({
    email: email.optional(),
    name: name.optional(),
    role: role.optional().meta({ description: "Only an admin may change a role" }),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one of email, name, role" })
  .meta({ examples: [{ name: "Augusta Ada King" }] });

export const changePasswordBody = z
  .strictObject({
    currentPassword: z
      .string()
      .min(1)
      .max(PASSWORD_LENGTH.max)
      .optional()
      .meta({ description: "Required when changing one's own password" }),
    password: newPassword,
  })
  .meta({ examples: [{ currentPassword: "correct horse battery staple", password: "a new and longer passphrase" }] });

const EXAMPLE_USER = {
  id: 1,
  email: "ada@example.org",
  name: "Ada Lovelace",
  role: "user",
  createdAt: "2026-12-01T09:30:00.000Z",
  updatedAt: "2026-12-01T09:30:00.000Z",
};

/** A user as the API returns it. */
export const userSchema = z
  .object({
    id: z.int().min(1).max(MAX_ID),
    email: z.email(),
    name: z.string().nullable(),
    role,
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "User", examples: [EXAMPLE_USER] });

export const userPageSchema = z
  .object({
    data: z.array(userSchema),
    nextCursor: z
      .int()
      .min(1)
      .max(MAX_ID)
      .nullable()
      .meta({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .meta({ id: "UserPage", examples: [{ data: [EXAMPLE_USER], nextCursor: null }] });

export type ListUsersQuery = z.output<typeof listUsersQuery>;
export type CreateUserBody = z.output<typeof createUserBody>;
export type UpdateUserBody = z.output<typeof updateUserBody>;
export type ChangePasswordBody = z.output<typeof changePasswordBody>;
export type UserPage = z.input<typeof userPageSchema>;
