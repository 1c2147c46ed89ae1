import { hash, parseOptions, verify } from "@node-rs/argon2";

/** argon2id costs: OWASP Password Storage Cheat Sheet's first option is 19 MiB, 2 passes, 1 lane. */
export interface PasswordCost {
  /** Memory in KiB (`m=` in the hash). */
  memoryKib: number;
  /** Passes over the memory (`t=`). */
  iterations: number;
  /** Lanes (`p=`). */
  parallelism: number;
}

export const OWASP_COST: PasswordCost = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

/**
 * Length bounds, in characters. At least 8 (NIST SP 800-63B for a password a user chooses); at
 * most 128, so a client cannot make every attempt costly with megabytes of password: a longer
 * one is refused before anything is hashed.
 */
export const PASSWORD_LENGTH = { min: 8, max: 128 } as const;

/** argon2id's number in the PHC string (`$argon2id$`); the library's default algorithm. */
const ARGON2ID = 2;

export interface Verified {
  ok: boolean;
  /** The hash was made with other costs than today's: store `hash(password)` now that it is known. */
  needsRehash: boolean;
}

export interface Passwords {
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored hash; `undefined` (no such account) costs the same as a
   * wrong password, against a hash made at start-up, so timing does not tell the two apart.
   */
  verify(stored: string | undefined | null, password: string): Promise<Verified>;
}

export function createPasswords(cost: PasswordCost): Passwords {
  const options = { memoryCost: cost.memoryKib, timeCost: cost.iterations, parallelism: cost.parallelism };
  const hashPassword = (password: string) => hash(password, options);
  // Made now (on libuv's thread pool), not at the first unknown email: that first answer would
  // otherwise cost a hash more than a wrong password's.
  const dummy = hashPassword("an account that does not exist");
  dummy.catch(() => {}); // a failure surfaces at the verify that awaits it
  return {
    hash: hashPassword,
    async verify(stored, password) {
      if (!stored) {
        await verify(await dummy, password).catch(() => false);
        return { ok: false, needsRehash: false };
      }
      const ok = await verify(stored, password).catch(() => false);
      return { ok, needsRehash: ok && isOutdated(stored, cost) };
    },
  };
}

function isOutdated(stored: string, cost: PasswordCost): boolean {
  try {
    const used = parseOptions(stored);
    return (
      (used.algorithm as number) !== ARGON2ID ||
      used.memoryCost !== cost.memoryKib ||
      used.timeCost !== cost.iterations ||
      used.parallelism !== cost.parallelism
    );
  } catch {
    return true;
  }
}
