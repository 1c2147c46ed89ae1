import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";

export interface SecurityOptions {
  corsOrigins: string[];
  corsCredentials: boolean;
  /** Strict-Transport-Security max-age; 0 leaves HSTS off (only send it when served over TLS). */
  hstsMaxAge: number;
}

/** Where JSON API responses live; everything else (pages, static files, the docs page) is a document. */
const API_PREFIX = "/api/v1/";

/**
 * Security headers, chosen per kind of response. Documents (the server-rendered page, static
 * files) get helmet with a CSP the page satisfies (own scripts/styles only). JSON API responses
 * get what a browser applies to an API response (OWASP REST Security Cheat Sheet): nosniff, a
 * CSP that forbids everything including framing, CORP, no referrer; the document-only headers
 * (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, …) would only add
 * ~400 bytes to every API response. HSTS on both, only when configured. CORS only for the exact
 * origins configured: a request from any other origin gets no CORS headers, so the browser
 * blocks it.
 */
export function securityHeaders({ corsOrigins, corsCredentials, hstsMaxAge }: SecurityOptions): RequestHandler[] {
  const strictTransportSecurity = hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: true } : false;
  const documents = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
      },
    },
    strictTransportSecurity,
    xFrameOptions: { action: "deny" },
  });
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    strictTransportSecurity,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  const handlers: RequestHandler[] = [
    (req, res, next) => (req.path.startsWith(API_PREFIX) ? api : documents)(req, res, next),
  ];
  if (corsOrigins.length > 0) {
    handlers.push(
      cors({
        origin: corsOrigins,
        credentials: corsCredentials,
        exposedHeaders: ["X-Request-ID", "Location", "RateLimit", "RateLimit-Policy", "Retry-After"],
        maxAge: 600,
      }),
    );
  }
  return handlers;
}
