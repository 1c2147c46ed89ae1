import { isExpired, isTouchDue, newSessionTimes, type Passwords, type SessionLifetime, type Tokens } from "@repo/auth";
import type { PrismaClient, User } from "@repo/db";
import type { Store } from "express-rate-limit";
import type { Principal } from "../../http/auth.ts";
import { HttpError } from "../../http/errors.ts";
import type { SignInBody } from "./schemas.ts";

/** Sign-in throttling: failures per account and attempts per client address, in a rate-limit store. */
export interface SignInThrottle {
  accounts: Store;
  addresses: Store;
  accountMax: number;
  addressMax: number;
}

export interface SessionsDeps {
  db: PrismaClient;
  passwords: Passwords;
  tokens: Tokens;
  lifetime: SessionLifetime;
  throttle: SignInThrottle;
}

export interface SignedIn {
  token: string;
  expiresAt: Date;
  user: User;
}

/** One answer for an unknown email and a wrong password: neither says which it was. */
const invalidCredentials = () =>
  new HttpError(401, {
    type: "urn:problem:invalid-credentials",
    detail: "The email or the password is wrong",
    headers: { "WWW-Authenticate": 'Bearer realm="api"' },
  });

const throttled = (resetTime: Date | undefined) =>
  new HttpError(429, {
    type: "urn:problem:sign-in-throttled",
    detail: "Too many sign-in attempts; wait and try again",
    headers: {
      "Retry-After": String(Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000))),
    },
  });

/**
 * The throttle's counts, or a 503: while they cannot be counted (Redis away) sign-in fails closed,
 * since an uncounted sign-in is an unthrottled password guess (the rate limit, which protects
 * availability, fails open instead: src/http/rate-limit.ts).
 */
async function counted<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new HttpError(503, {
      detail: "Sign-in is unavailable while its attempts cannot be counted; try again shortly",
      cause: error,
    });
  }
}

/**
 * Sessions: sign-in, the principal a token proves, sign-out. Plain logic: no Express types. A
 * session is a row keyed by the SHA-256 of its token's random part; deleting it revokes it.
 */
export function sessionsService({ db, passwords, tokens, lifetime, throttle }: SessionsDeps) {
  return {
    /**
     * Refused (429) past SIGN_IN_ADDRESS_MAX attempts from one address or SIGN_IN_ACCOUNT_MAX
     * failures on one account in the window, before the password is even checked. An unknown
     * email costs the same as a wrong password: a hash is verified either way.
     */
    async signIn({ email, password }: SignInBody, address: string): Promise<SignedIn> {
      const attempts = await counted(() => throttle.addresses.increment(address));
      if (attempts.totalHits > throttle.addressMax) throw throttled(attempts.resetTime);
      const failures = await counted(() => throttle.accounts.get?.(email));
      if (failures && failures.totalHits >= throttle.accountMax) throw throttled(failures.resetTime);

      const row = await db.user.findUnique({ where: { email }, omit: { passwordHash: false } });
      const { ok, needsRehash } = await passwords.verify(row?.passwordHash, password);
      if (!row || !ok) {
        await counted(() => throttle.accounts.increment(email));
        throw invalidCredentials();
      }
      await counted(() => throttle.accounts.resetKey(email));
      const { passwordHash: _, ...user } = row;
      // The costs changed since this hash was made: the password is known now, so upgrade it.
      if (needsRehash)
        await db.user.update({ where: { id: user.id }, data: { passwordHash: await passwords.hash(password) } });
      const { token, id } = tokens.issue();
      const times = newSessionTimes(lifetime);
      await db.session.create({ data: { id, userId: user.id, ...times } });
      return { token, expiresAt: times.expiresAt, user };
    },

    /** The principal a token proves; undefined for a bad MAC, an unknown, revoked or expired session. */
    async authenticate(token: string, via: Principal["via"]): Promise<Principal | undefined> {
      const id = tokens.verify(token);
      if (id === undefined) return undefined;
      const session = await db.session.findUnique({ where: { id }, include: { user: true } });
      if (!session) return undefined;
      const now = new Date();
      if (isExpired(lifetime, session, now)) {
        await db.session.deleteMany({ where: { id } });
        return undefined;
      }
      if (isTouchDue(lifetime, session, now)) await db.session.updateMany({ where: { id }, data: { lastSeenAt: now } });
      return { user: session.user, sessionId: id, expiresAt: session.expiresAt, via };
    },

    /** Revokes one session (sign-out). */
    async signOut(sessionId: string): Promise<void> {
      await db.session.deleteMany({ where: { id: sessionId } });
    },

    /** Revokes every session of a user but `keep` (sign-out everywhere, a password change). */
    async revokeAll(userId: number, keep?: string): Promise<void> {
      await db.session.deleteMany({ where: { userId, ...(keep ? { id: { not: keep } } : {}) } });
    },
  };
}

export type SessionsService = ReturnType<typeof sessionsService>;
