import { PASSWORD_LENGTH } from "@repo/auth";
import { z } from "zod";
import { email, userSchema } from "../users/schemas.ts";

/** A password to check: any length up to the maximum (shorter rules may have applied when it was set). */
const givenPassword = z.string().min(1).max(PASSWORD_LENGTH.max);

export const signInBody = z
  .strictObject({ email, password: givenPassword })
  .meta({ examples: [{ email: "admin@example.com", password: "admin-dev-password" }] });

const expiresAt = z
  .date()
  .meta({ description: "The session's absolute end; it ends sooner after SESSION_IDLE_TIMEOUT_MS unused" });

export const sessionSchema = z
  .object({
    token: z.string().meta({ description: "Send as `Authorization: Bearer <token>`; browsers get it as a cookie too" }),
    expiresAt,
    user: userSchema,
  })
  .meta({ id: "Session" });

export const currentSessionSchema = z
  .object({ user: userSchema, expiresAt, via: z.enum(["bearer", "cookie"]) })
  .meta({ id: "CurrentSession" });

export type SignInBody = z.output<typeof signInBody>;
