import { randomBytes } from "node:crypto";
import { apiReference } from "@scalar/express-api-reference";
import type { RequestHandler } from "express";
import { z } from "zod";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import type { OpenApiDocument } from "../../openapi/document.ts";
import { API_BASE } from "../../paths.ts";

export const OPENAPI_PATH = `${API_BASE}/openapi.json`;
const REFERENCE_PATH = "/api/docs";

/** How the document groups this module's operations. */
const TAG = { name: "docs", description: "This API's own description." };

/** Where the docs page loads Scalar from (it is not bundled: development only). */
const SCALAR_CDN = "https://cdn.jsdelivr.net";

/** The OpenAPI document, served by the API wing. It is built once every module is mounted. */
export function documentRoutes({ document }: { document: () => OpenApiDocument }): RouteModule {
  let body: string | undefined;
  return defineRoutes({ tag: TAG }, [
    op.get(OPENAPI_PATH.slice(API_BASE.length), {
      operationId: "getOpenApiDocument",
      summary: "This OpenAPI 3.1 document",
      responses: {
        200: {
          description: "The document",
          schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
        },
      },
      handler: (_input, { res }) => {
        body ??= JSON.stringify(document());
        res.type("json").send(body);
        return undefined;
      },
    }),
  ]);
}

/**
 * The Scalar API reference rendering the document, in the pages wing. The page needs Scalar's
 * script and inline styles, which the pages' CSP (src/http/security.ts) forbids, so this route
 * replaces that policy with its own: scripts only with this response's nonce, from the CDN.
 */
export function referenceRoutes({ apiDocs }: { apiDocs: boolean }): RouteModule {
  if (!apiDocs) return defineRoutes({}, []);
  return defineRoutes({}, [
    op.get(REFERENCE_PATH, {
      operationId: "apiReference",
      summary: "The interactive API reference",
      hidden: true,
      responses: { 200: { description: "HTML" } },
      handler: (_input, { req, res }) => {
        const nonce = randomBytes(16).toString("base64");
        res.setHeader(
          "Content-Security-Policy",
          [
            "default-src 'self'",
            `script-src 'nonce-${nonce}' ${SCALAR_CDN}`,
            `style-src 'self' 'unsafe-inline' ${SCALAR_CDN}`,
            `font-src 'self' data: ${SCALAR_CDN} https://fonts.scalar.com`,
            "img-src 'self' data: https:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
          ].join("; "),
        );
        const page = apiReference({
          url: OPENAPI_PATH,
          pageTitle: "API reference",
          nonce,
        }) as unknown as RequestHandler;
        page(req, res, () => {});
        return undefined;
      },
    }),
  ]);
}
