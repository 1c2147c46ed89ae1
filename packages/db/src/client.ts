// The generated client, re-exported so no other file reaches into generated/.
import { PrismaClient as GeneratedClient, type User as UserRow } from "./generated/prisma/client.ts";

export { Prisma, type Role, type Session } from "./generated/prisma/client.ts";

/**
 * Left out of every query unless the query asks for it (`omit: { passwordHash: false }`): a
 * password hash cannot reach a response, a log line or a seed dump by accident.
 */
export const OMIT = { user: { passwordHash: true } } as const;

/** The client the app uses: the generated one with OMIT applied (pass `omit: OMIT` to the constructor). */
export type PrismaClient = GeneratedClient<never, typeof OMIT>;
export const PrismaClient = GeneratedClient;

/** A user as queries return it: everything but the password hash. */
export type User = Omit<UserRow, "passwordHash">;
