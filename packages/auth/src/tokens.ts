import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** A session token: what the client holds (cookie or bearer) and what the server stores of it. */
export interface IssuedToken {
  /** `<random>.<mac>`: 256 random bits, then their HMAC-SHA256 under the current key (base64url). */
  token: string;
  /** SHA-256 of the random part (hex): the only thing stored; a leaked table yields no token. */
  id: string;
}

export interface Tokens {
  issue(): IssuedToken;
  /**
   * The stored id of a token whose MAC one of the keys made, else undefined: a tampered, forged
   * or foreign token is refused without a database lookup. Comparisons are constant-time.
   */
  verify(token: string): string | undefined;
}

const RANDOM_BYTES = 32;
const TOKEN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/**
 * Tokens MACed with the app's SECRET_KEY. `keys[0]` signs; every key verifies, so a rotation is:
 * deploy the new key first with the old one after it (SECRET_KEY_PREVIOUS), and drop the old one
 * once every session it signed has expired. The MAC key is derived (HKDF) from the secret for this
 * one use, so the same SECRET_KEY can safely key other things later.
 */
export function createTokens({ keys }: { keys: string[] }): Tokens {
  if (keys.length === 0) throw new Error("at least one key is needed to sign session tokens");
  const macKeys = keys.map((key) => Buffer.from(hkdfSync("sha256", key, "", "session-token v1", 32)));
  const mac = (key: Buffer, random: string) => createHmac("sha256", key).update(random).digest();
  const [signing] = macKeys as [Buffer, ...Buffer[]];
  return {
    issue() {
      const random = randomBytes(RANDOM_BYTES).toString("base64url");
      return { token: `${random}.${mac(signing, random).toString("base64url")}`, id: tokenId(random) };
    },
    verify(token) {
      const match = TOKEN.exec(token);
      if (!match) return undefined;
      const [, random = "", given = ""] = match;
      const received = Buffer.from(given, "base64url");
      // Every key is tried, whichever matches: the time taken does not depend on which one did.
      let valid = false;
      for (const key of macKeys) valid = timingSafeEqual(mac(key, random), received) || valid;
      return valid ? tokenId(random) : undefined;
    },
  };
}

const tokenId = (random: string) => createHash("sha256").update(random).digest("hex");
