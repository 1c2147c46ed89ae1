import type { SessionCookie, SessionLifetime } from "@repo/auth";
import { signedIn } from "../../http/auth.ts";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import { currentSessionSchema, sessionSchema, signInBody } from "./schemas.ts";
import type { SessionsService } from "./service.ts";

/** How the document groups this module's operations. */
const TAG = {
  name: "sessions",
  description:
    "Sign-in and sign-out. A session token goes back as `Authorization: Bearer <token>` or, for browsers, as the HttpOnly session cookie.",
};

export interface SessionsRoutesDeps {
  sessions: SessionsService;
  cookie: SessionCookie;
  lifetime: SessionLifetime;
}

/** Sessions, under the API's base: /api/v1/sessions. */
export function sessionsRoutes({ sessions, cookie, lifetime }: SessionsRoutesDeps): RouteModule {
  const clear = { "Set-Cookie": cookie.clear() };
  return defineRoutes({ prefix: "/sessions", tag: TAG }, [
    op.post("/", {
      operationId: "signIn",
      summary: "Sign in with email and password",
      request: { body: signInBody },
      responses: {
        201: {
          description: "Signed in: the token, also set as the session cookie",
          schema: sessionSchema,
          headers: { "Set-Cookie": "The session cookie (HttpOnly, SameSite=Lax; Secure and __Host- in production)" },
        },
      },
      problems: [401, 429, 503],
      handler: async ({ body }, { req }) => {
        const session = await sessions.signIn(body, req.ip ?? "unknown");
        return {
          status: 201,
          body: session,
          headers: { "Set-Cookie": cookie.set(session.token, lifetime.absoluteMs) },
        };
      },
    }),
    op.get("/current", {
      operationId: "getCurrentSession",
      summary: "Who is signed in",
      auth: "user",
      responses: { 200: { description: "The signed-in user and the session", schema: currentSessionSchema } },
      problems: [503],
      handler: (_input, { req }) => {
        const { user, expiresAt, via } = signedIn(req);
        return { status: 200, body: { user, expiresAt, via } };
      },
    }),
    op.delete("/current", {
      operationId: "signOut",
      summary: "Sign out: revoke this session",
      auth: "user",
      responses: {
        204: { description: "Signed out; the cookie is cleared", headers: { "Set-Cookie": "Clears the cookie" } },
      },
      problems: [503],
      handler: async (_input, { req }) => {
        await sessions.signOut(signedIn(req).sessionId);
        return { status: 204, headers: clear };
      },
    }),
    op.delete("/", {
      operationId: "signOutEverywhere",
      summary: "Sign out everywhere: revoke every session of the signed-in user",
      auth: "user",
      responses: {
        204: {
          description: "Every session revoked; the cookie is cleared",
          headers: { "Set-Cookie": "Clears the cookie" },
        },
      },
      problems: [503],
      handler: async (_input, { req }) => {
        await sessions.revokeAll(signedIn(req).user.id);
        return { status: 204, headers: clear };
      },
    }),
  ]);
}
