import { randomBytes } from "node:crypto";
import { apiReference } from "@scalar/express-api-reference";
import { type RequestHandler, Router } from "express";
import { onlyDeclaredMethods } from "../../http/method-not-allowed.ts";
import type { OpenApiDocument } from "../../openapi/document.ts";

export const OPENAPI_PATH = "/api/v1/openapi.json";
const DOCS_PATH = "/api/docs";

/** Where the docs page loads Scalar from (it is not bundled: development only). */
const SCALAR_CDN = "https://cdn.jsdelivr.net";

export interface DocsRoutesDeps {
  document: OpenApiDocument;
  /** Serve the interactive reference (API_DOCS); the JSON document is always served. */
  ui: boolean;
}

/**
 * The OpenAPI document, and the Scalar API reference rendering it. The page needs Scalar's
 * script and inline styles, which the app-wide CSP (src/http/security.ts) forbids, so this
 * route replaces that policy with its own: scripts only with this response's nonce, from the CDN.
 */
export function docsRoutes({ document, ui }: DocsRoutesDeps): Router {
  const router = Router();
  const body = JSON.stringify(document);

  router
    .route(OPENAPI_PATH)
    .get((_req, res) => {
      res.type("json").send(body);
    })
    .all(onlyDeclaredMethods);

  if (ui) {
    router
      .route(DOCS_PATH)
      .get((req, res, next) => {
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
        page(req, res, next);
      })
      .all(onlyDeclaredMethods);
  }

  return router;
}
