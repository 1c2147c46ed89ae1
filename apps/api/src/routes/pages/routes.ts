import type { SessionCookie, SessionLifetime } from "@repo/auth";
import type { Profile } from "@repo/config";
import type { Eta } from "eta";
import type { Response } from "express";
import { assertSameOrigin } from "../../http/auth.ts";
import { HttpError } from "../../http/errors.ts";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import { signInBody } from "../sessions/schemas.ts";
import type { SessionsService } from "../sessions/service.ts";

export interface PagesDeps {
  views: Eta;
  profile: Profile;
  service: { name: string; version: string; database: string };
  apiDocs: boolean;
  sessions: SessionsService;
  cookie: SessionCookie;
  lifetime: SessionLifetime;
  /** Origins a form may post from besides this site's own (CORS_ORIGINS). */
  trustedOrigins: readonly string[];
}

/**
 * Server-rendered pages (eta templates in views/, a layout and a page). The landing page says
 * who is signed in, and signs in and out with plain HTML forms (no script): the session cookie
 * is the credential, and a form from another site is refused (assertSameOrigin).
 */
export function pagesRoutes({
  views,
  profile,
  service,
  apiDocs,
  sessions,
  cookie,
  lifetime,
  trustedOrigins,
}: PagesDeps): RouteModule {
  const render = (res: Response, status: number, page: Record<string, unknown>) => {
    const { name: title, version, database } = service;
    const it = { title, version, database, profile, apiDocs, requestId: res.req.id, ...page };
    res.status(status).type("html").send(views.render("index", it));
  };
  const home = { status: 303 as const, headers: { Location: "/" } };
  return defineRoutes({}, [
    op.get("/", {
      operationId: "home",
      summary: "The landing page",
      hidden: true,
      auth: "optional",
      responses: { 200: { description: "HTML" } },
      handler: (_input, { req, res }) => {
        render(res, 200, { user: req.principal?.user });
        return undefined;
      },
    }),
    op.post("/sign-in", {
      operationId: "signInForm",
      summary: "The landing page's sign-in form",
      hidden: true,
      request: { body: signInBody },
      responses: { 303: { description: "Signed in: back to the landing page" } },
      problems: [401, 403, 429, 503],
      handler: async ({ body }, { req, res }) => {
        assertSameOrigin(req, trustedOrigins);
        try {
          const { token } = await sessions.signIn(body, req.ip ?? "unknown");
          return { ...home, headers: { ...home.headers, "Set-Cookie": cookie.set(token, lifetime.absoluteMs) } };
        } catch (error) {
          if (!(error instanceof HttpError) || (error.status !== 401 && error.status !== 429)) throw error;
          res.set(error.headers);
          render(res, error.status, { error: error.detail, email: body.email });
          return undefined;
        }
      },
    }),
    op.post("/sign-out", {
      operationId: "signOutForm",
      summary: "The landing page's sign-out form",
      hidden: true,
      auth: "optional",
      responses: { 303: { description: "Signed out: back to the landing page" } },
      problems: [503],
      handler: async (_input, { req }) => {
        assertSameOrigin(req, trustedOrigins);
        if (req.principal) await sessions.signOut(req.principal.sessionId);
        return { ...home, headers: { ...home.headers, "Set-Cookie": cookie.clear() } };
      },
    }),
  ]);
}
