import { isSameOriginRequest, type SessionCookie } from "@repo/auth";
import type { User } from "@repo/db";
import type { Request, RequestHandler } from "express";
import type { ContextAccessor } from "./context.ts";
import { HttpError } from "./errors.ts";

/** Who sent a request: the signed-in user, the session that proves it, and how it came. */
export interface Principal {
  user: User;
  sessionId: string;
  expiresAt: Date;
  via: "bearer" | "cookie";
}

declare module "node:http" {
  interface IncomingMessage {
    /** Set by the authenticator for operations that declare `auth`. */
    principal?: Principal;
  }
}

/**
 * What an operation asks of its caller (its declaration's `auth`): "user" any signed-in user,
 * "admin" an admin, "optional" a principal when credentials come (public otherwise).
 */
export type AuthMode = "user" | "admin" | "optional";

export interface AuthenticatorDeps {
  /** The principal a session token proves, or undefined (bad MAC, unknown, revoked or expired). */
  authenticate(token: string, via: Principal["via"]): Promise<Principal | undefined>;
  cookie: SessionCookie;
  context: ContextAccessor;
  /** Origins whose cookie-authenticated writes are not cross-site requests (CORS_ORIGINS). */
  trustedOrigins: readonly string[];
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export const unauthenticated = (detail: string, invalidToken = false) =>
  new HttpError(401, {
    type: "urn:problem:unauthenticated",
    detail,
    headers: { "WWW-Authenticate": `Bearer realm="api"${invalidToken ? ', error="invalid_token"' : ""}` },
  });

export const forbidden = (detail: string) => new HttpError(403, { type: "urn:problem:forbidden", detail });

/** This request's origin, as a browser would name it (behind a trusted proxy, its scheme and host). */
export const originOf = (req: Request) => `${req.protocol}://${req.get("host") ?? ""}`;

/**
 * A cookie-authenticated (or cookie-less form) write must come from this site: see
 * isSameOriginRequest in @repo/auth. Bearer requests need no check: no browser adds a bearer
 * token by itself.
 */
export function assertSameOrigin(req: Request, trustedOrigins: readonly string[]): void {
  if (UNSAFE.has(req.method) && !isSameOriginRequest(req.headers, originOf(req), trustedOrigins)) {
    throw new HttpError(403, {
      type: "urn:problem:cross-site-request",
      detail: "A cookie-authenticated write must come from this site (Origin / Sec-Fetch-Site)",
    });
  }
}

/**
 * The middleware an operation with `auth` runs first, before its body is read: it finds the
 * session token (`Authorization: Bearer`, else the session cookie), refuses a cross-site write
 * made with the cookie, resolves the principal, and puts it on the request and in its context,
 * where every later log line of the request gets `userId`.
 */
export function createAuthenticator({ authenticate, cookie, context, trustedOrigins }: AuthenticatorDeps) {
  return (mode: AuthMode): RequestHandler =>
    async (req, res, next) => {
      const bearer = BEARER.exec(req.get("authorization") ?? "")?.[1];
      const fromCookie = bearer === undefined ? cookie.read(req.get("cookie")) : undefined;
      if (req.get("authorization") !== undefined && bearer === undefined) {
        throw unauthenticated("The Authorization header must be `Bearer <token>`", true);
      }
      const token = bearer ?? fromCookie;
      if (token !== undefined) {
        if (fromCookie !== undefined) assertSameOrigin(req, trustedOrigins);
        const principal = await authenticate(token, bearer !== undefined ? "bearer" : "cookie");
        if (principal) {
          req.principal = principal;
          const store = context.get();
          store.principal = principal;
          store.log = store.log.child({ userId: principal.user.id });
          req.log = store.log;
        } else if (bearer !== undefined || mode !== "optional") {
          throw unauthenticated("The session is invalid, expired or signed out", true);
        } else {
          // A stale cookie on a public page: the visitor is anonymous, and the browser forgets it.
          res.append("Set-Cookie", cookie.clear());
        }
      }
      if (mode === "optional") return next();
      if (!req.principal) throw unauthenticated("Sign in first: POST /api/v1/sessions");
      if (mode === "admin" && req.principal.user.role !== "admin") throw forbidden("Only an admin may do this");
      next();
    };
}

/** The principal of a request whose operation declares `auth: "user"` or `"admin"`. */
export function signedIn(req: Request): Principal {
  if (!req.principal) throw unauthenticated("Sign in first: POST /api/v1/sessions");
  return req.principal;
}

/** An owner's or an admin's operation on `ownerId`'s account: anyone else gets a 403. */
export function assertSelfOrAdmin(req: Request, ownerId: number): Principal {
  const principal = signedIn(req);
  if (principal.user.id !== ownerId && principal.user.role !== "admin") {
    throw forbidden("Only the account's owner or an admin may do this");
  }
  return principal;
}
