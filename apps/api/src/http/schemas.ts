import { z } from "zod";

/**
 * A whole number in a query string or path: plain decimal digits, no sign, spaces, leading zeros,
 * exponent or hex. " 1", "1e3", "0x10", "01" and "" are refused, never coerced into a different
 * request than the one the client wrote.
 */
export const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, { message: "must be a whole number in decimal digits" })
    .pipe(z.coerce.number<string>().int().min(min).max(max))
    // The document shows what a client sends: an integer within the bounds the server enforces
    // (a query string or path is text only on the wire; generated clients type it as a number).
    .meta({
      override: ({ jsonSchema }) => {
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        Object.assign(jsonSchema, { type: "integer", minimum: min, maximum: max });
      },
    });

/**
 * Text PostgreSQL stores and gives back unchanged: well-formed UTF-16 (a lone surrogate would come
 * back as U+FFFD), no NUL or other C0/C1 control character (PostgreSQL refuses NUL in text), and no
 * U+FFFD, which is what the JSON parser makes of bytes that are not UTF-8.
 */
export const isStorableText = (value: string): boolean => {
  if (!value.isWellFormed()) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd) return false;
  }
  return true;
};

export const STORABLE_TEXT = { message: "must be well-formed text without control characters" };
