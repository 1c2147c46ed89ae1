export { type SessionCookie, sessionCookie } from "./cookies.ts";
export { isSameOriginRequest, type OriginHeaders } from "./origin.ts";
export {
  createPasswords,
  OWASP_COST,
  PASSWORD_LENGTH,
  type PasswordCost,
  type Passwords,
  type Verified,
} from "./passwords.ts";
export { isExpired, isTouchDue, newSessionTimes, type SessionLifetime, type SessionTimes } from "./sessions.ts";
export { createTokens, type IssuedToken, type Tokens } from "./tokens.ts";
