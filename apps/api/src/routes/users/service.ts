import type { Passwords } from "@repo/auth";
import type { PrismaClient, User } from "@repo/db";
import type { Principal } from "../../http/auth.ts";
import { forbidden } from "../../http/auth.ts";
import { withDbErrorWords } from "../../http/db-errors.ts";
import { HttpError, notFound, validationFailed } from "../../http/errors.ts";
import type { SessionsService } from "../sessions/service.ts";
import type { ChangePasswordBody, CreateUserBody, ListUsersQuery, UpdateUserBody, UserPage } from "./schemas.ts";

const EMAIL_TAKEN = "A user with this email already exists";
const noUser = (id: number) => `No user with id ${id}`;

export interface UsersDeps {
  db: PrismaClient;
  passwords: Passwords;
  /** `revokeAll(userId, keep)`: a changed password ends the account's other sessions. */
  sessions: Pick<SessionsService, "revokeAll">;
}

const isAdmin = (principal: Principal | undefined) => principal?.user.role === "admin";

/**
 * Users (the accounts), by id order. Plain logic: no Express types; failures are HttpErrors. Who
 * may call what is the routes' declarations' (`auth`) and the `actor` checks below; a database
 * outage needs no handling here: the error handler answers it with a 503 for every query.
 */
export function usersService({ db, passwords, sessions }: UsersDeps) {
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

    /**
     * Sign-up (anyone: a password is required, the role is "user") or an admin creating an
     * account (any role; without a password it cannot sign in until one is set).
     */
    async create({ password, role, ...input }: CreateUserBody, actor: Principal | undefined): Promise<User> {
      if (!isAdmin(actor)) {
        if (password === undefined) {
          throw validationFailed([
            {
              location: "body",
              path: ["password"],
              message: "a password is required to sign up",
              code: "invalid_type",
            },
          ]);
        }
        if (role === "admin") throw forbidden("Only an admin may create an admin");
      }
      const passwordHash = password === undefined ? null : await passwords.hash(password);
      return withDbErrorWords(db.user.create({ data: { ...input, ...(role ? { role } : {}), passwordHash } }), {
        unique: EMAIL_TAKEN,
      });
    },

    async update(id: number, input: UpdateUserBody, actor: Principal): Promise<User> {
      if (input.role !== undefined && !isAdmin(actor)) throw forbidden("Only an admin may change a role");
      return withDbErrorWords(db.user.update({ where: { id }, data: input }), {
        unique: EMAIL_TAKEN,
        notFound: noUser(id),
      });
    },

    async remove(id: number): Promise<void> {
      await withDbErrorWords(db.user.delete({ where: { id } }), { notFound: noUser(id) });
    },

    /**
     * A new password. The owner proves the current one (403 otherwise); an admin resetting
     * another account needs none. Every other session of the account is revoked: the actor's own
     * stays, so changing one's password does not sign out the device it was changed on.
     */
    async changePassword(
      id: number,
      { currentPassword, password }: ChangePasswordBody,
      actor: Principal,
    ): Promise<void> {
      const row = await db.user.findUnique({ where: { id }, omit: { passwordHash: false } });
      if (!row) throw notFound(noUser(id));
      if (actor.user.id === id) {
        const { ok } = await passwords.verify(row.passwordHash, currentPassword ?? "");
        if (!ok)
          throw new HttpError(403, { type: "urn:problem:wrong-password", detail: "The current password is wrong" });
      }
      await db.user.update({ where: { id }, data: { passwordHash: await passwords.hash(password) } });
      await sessions.revokeAll(id, actor.user.id === id ? actor.sessionId : undefined);
    },
  };
}
