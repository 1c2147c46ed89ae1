import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";

export interface SecurityOptions {
  corsOrigins: string[];
  corsCredentials: boolean;
  /** Strict-Transport-Security max-age; 0 leaves HSTS off (only send it when served over TLS). */
  hstsMaxAge: number;
}

/**
 * helmet with a CSP the server-rendered page satisfies (own scripts/styles only), HSTS only
 * when configured, and CORS only for the exact origins configured: a request from any other
 * origin gets no CORS headers, so the browser blocks it.
 */
export function securityHeaders({ corsOrigins, corsCredentials, hstsMaxAge }: SecurityOptions): RequestHandler[] {
  const handlers: RequestHandler[] = [
    helmet({
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
      strictTransportSecurity: hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: true } : false,
      xFrameOptions: { action: "deny" },
    }),
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
