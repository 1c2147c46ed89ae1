import { parseCookie, stringifySetCookie } from "cookie";

export interface SessionCookie {
  name: string;
  /** The Set-Cookie value that stores `token` for `maxAgeMs`. */
  set(token: string, maxAgeMs: number): string;
  /** The Set-Cookie value that deletes it. */
  clear(): string;
  /** The token in a Cookie header, if any. */
  read(header: string | undefined): string | undefined;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * subresource requests or POSTs), Path=/. With `secure` (production, served over HTTPS) it is
 * also Secure and named with the `__Host-` prefix, which browsers only accept from a secure
 * origin without a Domain: no subdomain can set or shadow it.
 */
export function sessionCookie({ secure }: { secure: boolean }): SessionCookie {
  const name = secure ? "__Host-session" : "session";
  const attributes = { path: "/", httpOnly: true, sameSite: "lax" as const, secure };
  return {
    name,
    set: (token, maxAgeMs) =>
      stringifySetCookie({ name, value: token, ...attributes, maxAge: Math.floor(maxAgeMs / 1000) }),
    clear: () => stringifySetCookie({ name, value: "", ...attributes, maxAge: 0 }),
    read: (header) => (header ? parseCookie(header)[name] : undefined),
  };
}
