/** The request headers a same-origin check reads. */
export interface OriginHeaders {
  origin?: string | undefined;
  "sec-fetch-site"?: string | undefined;
}

/**
 * CSRF defence for cookie-authenticated unsafe requests (OWASP's "Fetch Metadata" and "Verifying
 * Origin With Standard Headers"): a browser sends `Sec-Fetch-Site` (every current one) or at
 * least `Origin` with a POST, PUT, PATCH or DELETE, and a page of another site cannot forge
 * either. Allowed: `same-origin` or `none` (typed by the user), else an `Origin` that is this
 * site's own or one of `trusted` (CORS_ORIGINS). A request with neither header is not from a
 * browser, which is what CSRF needs, and is allowed.
 */
export function isSameOriginRequest(headers: OriginHeaders, self: string, trusted: readonly string[]): boolean {
  const site = headers["sec-fetch-site"];
  if (site !== undefined) return site === "same-origin" || site === "none" || allowed(headers.origin, self, trusted);
  return headers.origin === undefined || allowed(headers.origin, self, trusted);
}

const allowed = (origin: string | undefined, self: string, trusted: readonly string[]) =>
  origin !== undefined && (origin === self || trusted.includes(origin));
