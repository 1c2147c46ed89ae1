import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import type { OpenApiDocument } from "../../openapi/document.ts";
import { API_BASE } from "../../paths.ts";

export const OPENAPI_PATH = `${API_BASE}/openapi.json`;
const REFERENCE_PATH = "/api/docs";

/** How the document groups this module's operations. */
const TAG = { name: "docs", description: "This API's own description." };

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

/** Scalar's self-contained browser bundle (@scalar/api-reference, pinned in the catalog). */
const SCALAR_BUNDLE = path.join(
  path.dirname(fileURLToPath(import.meta.resolve("@scalar/api-reference"))),
  "browser/standalone.js",
);

/** Nothing leaves the page: no web fonts, no telemetry, no CORS proxy, no hosted "try it" client. */
const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  proxyUrl: "",
  hideClientButton: true,
  showDeveloperTools: "never",
};

/** The API reference page's policy: its own scripts only; Scalar's components inject their styles. */
const REFERENCE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

/**
 * The Scalar API reference rendering the document, in the pages wing, served entirely by the app
 * (the bundle from node_modules): it works with no network, and its CSP allows this origin only.
 */
export function referenceRoutes({ apiDocs }: { apiDocs: boolean }): RouteModule {
  if (!apiDocs) return defineRoutes({}, []);
  const attribute = (value: string) => value.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>API reference</title>
    <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  </head>
  <body>
    <script id="api-reference" data-url="${OPENAPI_PATH}" data-configuration="${attribute(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
    <script src="${REFERENCE_PATH}/scalar.js"></script>
  </body>
</html>
`;
  return defineRoutes({}, [
    op.get(REFERENCE_PATH, {
      operationId: "apiReference",
      summary: "The interactive API reference",
      hidden: true,
      responses: { 200: { description: "HTML" } },
      handler: (_input, { res }) => {
        res.setHeader("Content-Security-Policy", REFERENCE_CSP);
        res.type("html").send(page);
        return undefined;
      },
    }),
    op.get(`${REFERENCE_PATH}/scalar.js`, {
      operationId: "apiReferenceBundle",
      summary: "Scalar's browser bundle",
      hidden: true,
      responses: { 200: { description: "JavaScript" } },
      handler: (_input, { res }) => {
        // Pinned in the catalog: a new version is a new deployment, so a day of caching is safe.
        // dotfiles: the path is ours, under node_modules/.pnpm, never a client's.
        res.sendFile(SCALAR_BUNDLE, {
          maxAge: "1d",
          dotfiles: "allow",
          headers: { "Content-Type": "text/javascript; charset=utf-8" },
        });
        return undefined;
      },
    }),
  ]);
}
