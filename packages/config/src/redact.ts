import type { Config } from "./schema.ts";

const REDACTED = "[redacted]";
const SECRET_KEYS = new Set<keyof Config>(["SECRET_KEY", "SECRET_KEY_PREVIOUS"]);
/** URLs that may carry a password. */
const URL_KEYS = new Set<keyof Config>(["DATABASE_URL", "REDIS_URL"]);

/** A copy safe to print: secrets replaced, passwords removed from URLs, unset values as null. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => {
      if (SECRET_KEYS.has(key as keyof Config)) return [key, REDACTED];
      if (URL_KEYS.has(key as keyof Config) && typeof value === "string") return [key, redactUrlPassword(value)];
      return [key, value ?? null];
    }),
  );
}

// node-postgres also reads these from the query string (postgres://app@db/app?password=...).
const PASSWORD_PARAMS = new Set(["password", "sslpassword"]);

/** The URL with its password, in the user info or the query string, replaced by "***". */
export function redactUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    for (const name of [...url.searchParams.keys()]) {
      if (PASSWORD_PARAMS.has(name.toLowerCase())) url.searchParams.set(name, "***");
    }
    return url.toString();
  } catch {
    return REDACTED;
  }
}
