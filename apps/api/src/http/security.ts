import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";
import { REQUEST_ID_HEADER } from "./request-id.ts";

export interface SecurityOptions {
  corsOrigins: string[];
  corsCredentials: boolean;
  /** Strict-Transport-Security max-age; 0 leaves HSTS off (only send it when served over TLS). */
  hstsMaxAge: number;
}

const hsts = (maxAge: number) => (maxAge > 0 ? { maxAge, includeSubDomains: true } : false);

/**
 * The pages wing's headers (the server-rendered page, static files): helmet with a CSP the page
 * satisfies (own scripts and styles only). HSTS only when configured.
 */
export function documentHeaders({ hstsMaxAge }: Pick<SecurityOptions, "hstsMaxAge">): RequestHandler {
  return helmet({
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
    strictTransportSecurity: hsts(hstsMaxAge),
    xFrameOptions: { action: "deny" },
  });
}

/**
 * The API wing's headers: what a browser applies to an API response (OWASP REST Security Cheat
 * Sheet): nosniff, a CSP that forbids everything including framing, CORP, no referrer; the
 * document-only headers (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * …) would only add ~400 bytes to every API response. HSTS only when configured. CORS only for
 * the exact origins configured: a request from any other origin gets no CORS headers, so the
 * browser blocks it.
 */
export function apiHeaders({ corsOrigins, corsCredentials, hstsMaxAge }: SecurityOptions): RequestHandler[] {
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    strictTransportSecurity: hsts(hstsMaxAge),
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  const handlers: RequestHandler[] = [api];
  if (corsOrigins.length > 0) {
    handlers.push(
      cors({
        origin: corsOrigins,
        credentials: corsCredentials,
        exposedHeaders: [REQUEST_ID_HEADER, "Location", "RateLimit", "RateLimit-Policy", "Retry-After"],
        maxAge: 600,
      }),
    );
  }
  return handlers;
}
