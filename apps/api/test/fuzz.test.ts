import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contractViolation, listen, type RawRequest } from "./raw-http.ts";
import { buildTestApp } from "./support.ts";

// Property-based fuzzing with fast-check against one real listening server per property (the
// production HTTP server of src/runtime/http-server.ts on a loopback port, keep-alive client). Expected: every
// reply < 500 and, when >= 400, in the problem+json shape; valid inputs round-trip exactly.
// The run counts are in the test names; a failure prints the minimised counterexample and its seed
// (re-run with `fc.assert(..., { seed, path })`), and is then kept as a case in corpus.test.ts.

const USERS = "/api/v1/users";
const RUNS = { anyRequest: 1500, roundTrip: 150, pagination: 200 };
const totals = { requests: 0 };

/** Percent-encodes every byte: arbitrary strings and raw (possibly invalid UTF-8) bytes become a path segment. */
const percentEncode = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
const printable = (value: string) => value.replace(/[^\x20-\x7e]/g, "");

const segment = fc.oneof(
  fc.constantFrom("1", "2", "0", "-1", "999999", "1e3", "01", "abc", "%FF", "%2e%2e", "2147483648"),
  fc.integer().map(String),
  fc.double().map((n) => encodeURIComponent(String(n))),
  fc.string({ unit: "binary" }).map((s) => percentEncode(Buffer.from(s))),
  fc.uint8Array({ maxLength: 12 }).map(percentEncode),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}$/),
);

const PATHS = [
  "/",
  "/ping",
  "/compute",
  "/api/v1/health",
  "/api/v1/ready",
  USERS,
  `${USERS}/:id`,
  "/static/:id",
  "/:id",
];
const path = fc.tuple(fc.constantFrom(...PATHS), segment).map(([template, id]) => template.replace(":id", id || "x"));

const queryKey = fc.oneof(
  fc.constantFrom("limit", "cursor", "n", "__proto__", "constructor", "__proto__[x]", "email"),
  fc.string({ unit: "binary" }).map((s) => percentEncode(Buffer.from(s))),
);
const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.double().map((n) => encodeURIComponent(String(n))),
  fc.string({ unit: "binary" }).map((s) => percentEncode(Buffer.from(s))),
  fc.uint8Array({ maxLength: 8 }).map(percentEncode),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 6 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/merge-patch+json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
    ),
    fc.string().map(printable),
  ),
);

/** Emails the API accepts, in random case with surrounding whitespace; the counter keeps them unique. */
let unique = 0;
const validEmail = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9_+-]{1,12}$/),
    fc.stringMatching(/^[a-z0-9]{1,10}$/),
    fc.stringMatching(/^[a-z]{2,6}$/),
    fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    fc.constantFrom("", " ", "\t", "\n ", "\u00a0", "\ufeff"),
  )
  .map(([local, domain, tld, upper, pad]) => {
    const email = `${local}.${++unique}@${domain}.${tld}`;
    return pad + [...email].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join("") + pad;
  });
const anyName = fc.option(fc.oneof(fc.string({ unit: "grapheme", maxLength: 220 }), fc.string({ unit: "binary" })), {
  nil: null,
});
/** A user body, and whether its email is one the API must accept (the oracle for the other emails is the reply). */
const userInput = fc
  .tuple(
    fc.oneof(
      validEmail.map((email) => ({ email, known: true })),
      fc.oneof(fc.emailAddress(), fc.string()).map((email) => ({ email, known: false })),
    ),
    fc.option(anyName, { nil: undefined }),
  )
  .map(([{ email, known }, name]) => ({ body: name === undefined ? { email } : { email, name }, known }));
const userBody = userInput.map(({ body }) => body);

const body = fc.option(
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    userBody.map((value) => JSON.stringify(value)),
    fc.string({ unit: "binary" }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  ),
);

/** The oracle, written independently of the schemas: what the API must accept as a name, and store. */
const expectedName = (name: string | null | undefined) => {
  if (name === null || name === undefined) return { valid: true, stored: null };
  const trimmed = name.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const storable = trimmed.isWellFormed() && !/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(trimmed);
  return { valid: trimmed.length >= 1 && trimmed.length <= 200 && storable, stored: trimmed };
};

async function server() {
  const built = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "0" }, open: true });
  const listening = await listen(built);
  const send = async (method: string, target: string, request?: RawRequest) => {
    totals.requests++;
    return listening.send(method, target, request);
  };
  return { built, send };
}

describe("property-based fuzzing (fast-check): zero 5xx, problem+json errors, valid input round-trips", () => {
  it(`${RUNS.anyRequest} arbitrary requests (method, path, id, query, content type, body) over every route: no 5xx, errors in problem+json`, async () => {
    const { send, built } = await server();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"),
        path,
        query,
        contentType,
        body,
        async (method, target, search, type, payload) => {
          const headers: Record<string, string> = type === null ? {} : { "content-type": type };
          const res = await send(method, target + search, { headers, ...(payload === null ? {} : { body: payload }) });
          if (method === "HEAD") expect(res.status).toBeLessThan(500);
          else expect(contractViolation(res)).toBeUndefined();
        },
      ),
      { numRuns: RUNS.anyRequest },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(built.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it(`${RUNS.roundTrip} user bodies: accepted iff valid; create → get → patch → get → delete round-trips the normalised data`, async () => {
    const { send } = await server();
    const json = (value: unknown): RawRequest => ({
      headers: { "content-type": "application/json" },
      body: JSON.stringify(value),
    });
    await fc.assert(
      fc.asyncProperty(userInput, anyName, async ({ body: input, known }, newName) => {
        const created = await send("POST", USERS, json(input));
        expect(contractViolation(created)).toBeUndefined();
        const name = expectedName(input.name);
        if (!name.valid) {
          // Wrongly accepted: remove it first, so that shrinking replays start from the same table.
          if (created.status === 201) await send("DELETE", `${USERS}/${(created.body as { id: number }).id}`);
          expect(created.status).toBe(400);
          return;
        }
        if (!known && (created.status === 400 || created.status === 409)) {
          // An arbitrary email may be refused (invalid) or taken (409); only the email may explain it.
          if (created.status === 400) {
            const paths = (created.body as { errors: { path: string[] }[] }).errors.map((e) => e.path.join("."));
            expect(paths).toEqual(["email"]);
          }
          return;
        }
        expect(created.status).toBe(201);
        const user = created.body as { id: number; email: string; name: string | null };
        try {
          expect(user.email).toBe(input.email.trim().toLowerCase());
          expect(user.name).toBe(name.stored);
          const read = await send("GET", `${USERS}/${user.id}`);
          expect(read.body).toEqual(user);

          const patched = await send("PATCH", `${USERS}/${user.id}`, json({ name: newName }));
          const next = expectedName(newName);
          expect(patched.status).toBe(next.valid ? 200 : 400);
          const after = await send("GET", `${USERS}/${user.id}`);
          expect((after.body as { name: string | null }).name).toBe(next.valid ? next.stored : name.stored);
        } finally {
          // Also after a failed check, so that shrinking replays start from the same empty table.
          expect((await send("DELETE", `${USERS}/${user.id}`)).status).toBe(204);
        }
        expect((await send("GET", `${USERS}/${user.id}`)).status).toBe(404);
      }),
      { numRuns: RUNS.roundTrip },
    );
  });

  it(`${RUNS.pagination} pages (any limit 1-100, any cursor): sorted, bounded, keyset-consistent`, async () => {
    const { send, built } = await server();
    await built.db.client.user.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({ email: `page${i}@example.com`, name: `P${i}` })),
    });
    const ids = (await built.db.client.user.findMany({ orderBy: { id: "asc" } })).map((user) => user.id);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 2_147_483_647 })),
        async (limit, cursor) => {
          const res = await send("GET", `${USERS}?limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`);
          expect(res.status).toBe(200);
          const page = res.body as { data: { id: number }[]; nextCursor: number | null };
          const expected = ids.filter((id) => cursor === null || id > cursor);
          expect(page.data.map((user) => user.id)).toEqual(expected.slice(0, limit));
          expect(page.nextCursor).toBe(expected.length > limit ? (expected[limit - 1] ?? null) : null);
        },
      ),
      { numRuns: RUNS.pagination },
    );
    console.info(`[fuzz] ${totals.requests} requests in total over the three properties`);
  });
});
