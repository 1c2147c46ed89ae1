import { describe, expect, it } from "vitest";
import {
  contractViolation,
  type Listening,
  listen,
  type RawRequest,
  type RawResponse,
  type WireReply,
  wire,
} from "./raw-http.ts";
import { buildTestApp, type TestApp } from "./support.ts";

// The bad-input corpus: every case is sent to every route (or, for ids and pagination, to the
// routes that take them) over a real loopback HTTP connection, exactly as written (no client-side
// URL normalisation). Expected result, for every case: no 5xx, no crash, every error reply in the
// problem+json shape (type, title, status, requestId), every write rejected with a 4xx, and zero
// changed rows (the users table is snapshotted before and after).

const USERS = "/api/v1/users";
const MISSING = 999_999;

interface Route {
  method: string;
  path: string;
  /** Writes must reject every corpus case with a 4xx. */
  write: boolean;
}

/** Every route of the service. DELETE targets a missing user: a body is irrelevant to a DELETE. */
const ROUTES: Route[] = [
  { method: "GET", path: "/", write: false },
  { method: "GET", path: "/ping", write: false },
  { method: "GET", path: "/compute", write: false },
  { method: "GET", path: "/api/v1/health", write: false },
  { method: "GET", path: "/api/v1/ready", write: false },
  { method: "GET", path: USERS, write: false },
  { method: "GET", path: `${USERS}/1`, write: false },
  { method: "POST", path: USERS, write: true },
  { method: "PATCH", path: `${USERS}/1`, write: true },
  { method: "DELETE", path: `${USERS}/${MISSING}`, write: true },
  { method: "PUT", path: `${USERS}/1/password`, write: true },
  { method: "POST", path: "/api/v1/sessions", write: true },
  { method: "GET", path: "/api/v1/sessions/current", write: false },
  { method: "POST", path: "/sign-in", write: true },
  // Not here: DELETE /api/v1/sessions(/current) and POST /sign-out take no body and would sign the
  // corpus's admin out; test/auth.test.ts covers them.
];

type Case = [name: string, request: RawRequest];
const json = (body: string | Buffer): RawRequest => ({ headers: { "content-type": "application/json" }, body });
const nested = (depth: number, open: string, close: string, leaf = "1") =>
  open.repeat(depth) + leaf + close.repeat(depth);
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));

const BODIES: Case[] = [
  // malformed and truncated JSON
  ["malformed: missing value", json('{"email": }')],
  ["malformed: single quotes", json("{'email':'a@example.com'}")],
  ["malformed: trailing comma", json('{"email":"a@example.com",}')],
  ["malformed: NaN", json("NaN")],
  ["malformed: bare word", json("undefined")],
  ["malformed: two documents", json('{"email":"a@example.com"}{"email":"b@example.com"}')],
  ["truncated: mid-string", json('{"email":"ada@exa')],
  ["truncated: open array", json("[")],
  ["truncated: open object", json('{"name":"x","email":')],
  // empty and non-object bodies
  ["empty body, JSON type", json("")],
  ["whitespace body", json("   \n ")],
  ["empty object", json("{}")],
  ["null", json("null")],
  ["array", json("[]")],
  ["array of a valid user", json('[{"email":"a@example.com"}]')],
  ["string", json('"a@example.com"')],
  ["number", json("123")],
  ["true", json("true")],
  // wrong content types
  ["text/plain JSON", { headers: { "content-type": "text/plain" }, body: '{"email":"a@example.com"}' }],
  ["no content type", { body: '{"email":"a@example.com"}' }],
  ["xml", { headers: { "content-type": "application/xml" }, body: "<user><email>a@example.com</email></user>" }],
  [
    "form-urlencoded",
    { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "email=a%40example.com" },
  ],
  [
    "multipart",
    {
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--\r\n',
    },
  ],
  ["json with utf-16 charset", { headers: { "content-type": "application/json; charset=utf-16" }, body: "{}" }],
  // JSON is UTF-8 (RFC 8259): any other charset is refused, never decoded into something else.
  [
    "UTF-7 charset: +ADw-script+AD4- decodes to <script>",
    {
      headers: { "content-type": "application/json; charset=utf-7" },
      body: '{"email":"utf7@example.com","name":"+ADw-script+AD4-"}',
    },
  ],
  [
    "UTF-16LE charset, UTF-16LE bytes",
    {
      headers: { "content-type": "application/json; charset=utf-16le" },
      body: Buffer.from('{"email":"utf16@example.com"}', "utf16le"),
    },
  ],
  [
    "latin1 charset, ASCII bytes",
    { headers: { "content-type": "application/json; charset=iso-8859-1" }, body: '{"email":"latin1@example.com"}' },
  ],
  [
    "quoted UTF-32 charset",
    { headers: { "content-type": 'application/json; charset="utf-32"' }, body: '{"email":"utf32@example.com"}' },
  ],
  ["json-ish type", { headers: { "content-type": "application/jsonx" }, body: '{"email":"a@example.com"}' }],
  [
    "gzip claimed, plain sent",
    { headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: "{}" },
  ],
  // sizes and depth
  ["huge JSON body (200 kB > BODY_LIMIT)", json(JSON.stringify({ email: "a@example.com", name: "x".repeat(200_000) }))],
  [
    "huge form body (200 kB)",
    { headers: { "content-type": "application/x-www-form-urlencoded" }, body: `a=${"x".repeat(200_000)}` },
  ],
  [
    "form body with 1000 parameters (> parameterLimit 100)",
    {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&"),
    },
  ],
  ["10k nested arrays", json(nested(10_000, "[", "]"))],
  ["10k nested objects", json(nested(10_000, '{"a":', "}"))],
  ["10k nested arrays as the email", json(`{"email":${nested(10_000, "[", "]")}}`)],
  ["10k nested objects as the name", json(`{"email":"a@example.com","name":${nested(10_000, '{"a":', "}")}}`)],
  ["100k nested arrays (over the limit)", json(nested(100_000, "[", "]"))],
  ["very long email", json(JSON.stringify({ email: `${"a".repeat(90_000)}@example.com` }))],
  ["very long name", json(JSON.stringify({ email: "a@example.com", name: "n".repeat(90_000) }))],
  // prototype pollution
  ["__proto__ alone", json('{"__proto__":{"polluted":"yes"}}')],
  ["__proto__ beside a valid user", json('{"email":"p1@example.com","__proto__":{"polluted":"yes"}}')],
  ["constructor.prototype", json('{"constructor":{"prototype":{"polluted":"yes"}}}')],
  [
    "constructor.prototype beside a valid user",
    json('{"email":"p2@example.com","name":"P","constructor":{"prototype":{"polluted":"yes"}}}'),
  ],
  ["__proto__ as the name", json('{"email":"p3@example.com","name":{"__proto__":{"polluted":"yes"}}}')],
  ["nested __proto__", json('{"name":{"a":{"__proto__":{"polluted":"yes"}}}}')],
  // mass assignment
  ["unknown field id", json('{"email":"m1@example.com","id":1}')],
  ["unknown field createdAt", json('{"email":"m2@example.com","createdAt":"2000-01-01T00:00:00Z"}')],
  // invalid UTF-8 (the JSON parser turns these bytes into U+FFFD: refused, never stored)
  ["invalid UTF-8 in the email", json(bytes('{"email":"', [0xff, 0xfe], '@example.com"}'))],
  ["invalid UTF-8 in the name", json(bytes('{"name":"', [0xc3, 0x28], '"}'))],
  ["overlong UTF-8 slash in the name", json(bytes('{"email":"u1@example.com","name":"', [0xc0, 0xaf], '"}'))],
  ["truncated UTF-8 sequence in the name", json(bytes('{"email":"u2@example.com","name":"a', [0xe2, 0x82], '"}'))],
  // unicode edge cases that cannot be stored as sent
  ["lone high surrogate in the name", json('{"email":"s1@example.com","name":"\\ud800"}')],
  ["lone low surrogate in the name", json('{"name":"x\\udc00y"}')],
  ["NUL in the name", json('{"email":"s2@example.com","name":"a\\u0000b"}')],
  ["NUL in the email", json('{"email":"a\\u0000@example.com"}')],
  ["bell character in the name", json('{"name":"ring\\u0007"}')],
  ["C1 control in the name", json('{"name":"x\\u0085y"}')],
  ["U+FFFD in the name", json('{"name":"\\ufffd"}')],
  ["RTL override in the email", json('{"email":"\\u202eada@example.com"}')],
  ["zero-width space in the email", json('{"email":"ada\\u200b@example.com"}')],
  ["emoji email", json('{"email":"🦄@example.com"}')],
  ["whitespace-only name", json('{"email":"w@example.com","name":"   "}')],
  ["empty name", json('{"name":""}')],
  // wrong types for every field
  ...(
    [
      ["email", 1],
      ["email", true],
      ["email", null],
      ["email", []],
      ["email", {}],
      ["email", ["a@example.com"]],
      ["email", Number.MAX_VALUE],
      ["email", -0],
      ["name", 1],
      ["name", false],
      ["name", []],
      ["name", {}],
      ["name", ["Ada"]],
    ] as const
  ).map(([field, value]): Case => {
    const body = field === "email" ? { email: value } : { email: "t@example.com", name: value };
    return [`wrong type: ${field} = ${JSON.stringify(value)}`, json(JSON.stringify(body))];
  }),
  ["wrong type: name only, a number", json('{"name":42}')],
  ["wrong type: email 1e309 (Infinity once parsed)", json('{"email":1e309}')],
  ["wrong type: name 1e309", json('{"email":"i@example.com","name":1e309}')],
  // SQL-looking values where they are invalid
  ["SQL in the email", json(`{"email":"a@example.com'; DROP TABLE \\"User\\"; --"}`)],
  ["SQL as the email", json(`{"email":"' OR '1'='1"}`)],
];

const QUERIES: [string, string][] = [
  ["__proto__[polluted]", "__proto__[polluted]=yes"],
  ["__proto__", "__proto__=yes"],
  ["constructor[prototype][polluted]", "constructor[prototype][polluted]=yes"],
  ["constructor.prototype.polluted", "constructor.prototype.polluted=yes"],
  ["invalid percent-encoding", "a=%FF%FE&b=%"],
  ["NUL", "n=%00&%00=1"],
  ["duplicate parameters", "limit=1&limit=2&n=3&n=4"],
  ["2000 parameters", Array.from({ length: 2000 }, (_, i) => `p${i}=${i}`).join("&")],
  ["very long value (12 kB)", `q=${"x".repeat(12_000)}`],
  ["SQL", "q=1%27%3B%20DROP%20TABLE%20%22User%22%3B--"],
];

const IDS = [
  "0",
  "-1",
  "1e309",
  "99999999999999999999",
  "2147483648",
  "1;%20DROP%20TABLE%20users",
  "1%3B%20DROP%20TABLE%20%22User%22%3B--",
  "%27%20OR%20%271%27%3D%271",
  "%201",
  "1%20",
  "+1",
  "01",
  "0x1",
  "1e0",
  "1.0",
  "1.5",
  "abc",
  "NaN",
  "Infinity",
  "%FF",
  "%E0%A4%A",
  "%00",
  "1%00",
  "%2e%2e",
  "1%2F2",
  "%F0%9F%A6%84",
];

const PAGINATION = [
  "limit=-1",
  "limit=0",
  "limit=101",
  "limit=1e309",
  "limit=99999999999999999999",
  "limit=1.5",
  "limit=abc",
  "limit=",
  "limit=%205",
  "limit=5%20",
  "limit=0x10",
  "limit=1e1",
  "limit=NaN",
  "limit=Infinity",
  "limit=%FF",
  "limit=1&limit=2",
  "limit[]=1",
  "cursor=0",
  "cursor=-1",
  "cursor=1.5",
  "cursor=1e309",
  "cursor=99999999999999999999",
  "cursor=1%3B%20DROP%20TABLE%20users",
  "cursor=%27%20OR%20%271%27%3D%271",
  "cursor=",
  "cursor=1&cursor=2",
  "page=2",
];

const COMPUTE = ["n=-1", "n=79", "n=1.5", "n=abc", "n=", "n=%205", "n=1e309", "n=1e1", "n=5&n=6", "n=0x10", "m=1"];

async function seeded(): Promise<{ built: TestApp; server: Listening; snapshot: () => Promise<string> }> {
  const built = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "0" } });
  await built.db.client.user.createMany({
    data: [
      { email: "ada@example.com", name: "Ada" },
      { email: "grace@example.com", name: "Grace" },
      { email: "edsger@example.com", name: null },
    ],
  });
  const snapshot = async () =>
    JSON.stringify({
      users: await built.db.client.user.findMany({ orderBy: { id: "asc" }, omit: { passwordHash: false } }),
      sessions: await built.db.client.session.count(),
    });
  // As an admin, who may call every route: the corpus reaches validation, not the 401.
  return { built, server: await listen(built, (await built.admin()).headers), snapshot };
}

/** Sends every request; returns the contract violations (label: problem), which must be none. */
async function run(
  server: Listening,
  requests: { label: string; method: string; path: string; write: boolean; request?: RawRequest }[],
) {
  const violations: string[] = [];
  const statuses = new Map<number, number>();
  for (const { label, method, path, write, request } of requests) {
    let res: RawResponse;
    try {
      res = await server.send(method, path, request);
    } catch (error) {
      violations.push(`${label}: no reply (${(error as Error).message})`);
      continue;
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const violation = contractViolation(res);
    if (violation) violations.push(`${label}: ${violation}`);
    else if (write && (res.status < 400 || res.status >= 500))
      violations.push(`${label}: write accepted with ${res.status}`);
  }
  return { violations, statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)), total: requests.length };
}

function expectNoPollution() {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object.create(Object.prototype) as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

describe("bad-input corpus: zero 5xx, zero crashes, every error in problem+json, zero changed rows", () => {
  it(`${BODIES.length} bad bodies × ${ROUTES.length} routes: no 5xx, writes rejected with 4xx, zero changed rows, no prototype pollution`, async () => {
    const { server, snapshot, built } = await seeded();
    const before = await snapshot();
    const requests = ROUTES.flatMap((route) =>
      BODIES.map(([name, request]) => ({ label: `${route.method} ${route.path} [${name}]`, ...route, request })),
    );
    const result = await run(server, requests);
    expect(result.violations).toEqual([]);
    expect(await snapshot()).toBe(before);
    expectNoPollution();
    // The server is still up and serving after the whole corpus.
    expect((await server.send("GET", "/api/v1/ready")).status).toBe(200);
    expect(built.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    console.info(`[corpus] bodies: ${result.total} requests, statuses ${JSON.stringify(result.statuses)}`);
  }, 120_000); // 1092 requests over a real connection: seconds, a minute on a loaded machine

  it(`${BODIES.length} bad bodies × every operation that takes none: never read, answered exactly as without a body`, async () => {
    const { server } = await seeded();
    const bodyless = ROUTES.filter(({ method }) => method === "GET" || method === "DELETE");
    const violations: string[] = [];
    for (const route of bodyless) {
      const { status } = await server.send(route.method, route.path);
      for (const [name, request] of BODIES) {
        const res = await server.send(route.method, route.path, request);
        if (res.status !== status)
          violations.push(`${route.method} ${route.path} [${name}]: ${res.status}, not ${status}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it(`${QUERIES.length} hostile query strings × ${ROUTES.length} routes: no 5xx, zero changed rows, no prototype pollution`, async () => {
    const { server, snapshot } = await seeded();
    const before = await snapshot();
    const requests = ROUTES.flatMap((route) =>
      QUERIES.map(([name, query]) => ({
        label: `${route.method} ${route.path}?[${name}]`,
        ...route,
        path: `${route.path}?${query}`,
      })),
    );
    const result = await run(server, requests);
    expect(result.violations).toEqual([]);
    expect(await snapshot()).toBe(before);
    expectNoPollution();
    console.info(`[corpus] queries: ${result.total} requests, statuses ${JSON.stringify(result.statuses)}`);
  });

  it(`${IDS.length} invalid ids × GET/PATCH/DELETE: all 400 (never read as another id), zero changed rows`, async () => {
    const { server, snapshot } = await seeded();
    const before = await snapshot();
    const requests = IDS.flatMap((id) =>
      ["GET", "PATCH", "DELETE"].map((method) => ({
        label: `${method} ${USERS}/${id}`,
        method,
        path: `${USERS}/${id}`,
        write: true, // every one must be rejected, GET included
        // A valid body: the id is the only thing wrong, so a lenient id parser would change a row.
        request: method === "PATCH" ? json('{"name":"changed"}') : undefined,
      })),
    );
    const result = await run(server, requests);
    expect(result.violations).toEqual([]);
    expect(result.statuses).toEqual({ 400: requests.length });
    expect(await snapshot()).toBe(before);
  });

  it(`${PAGINATION.length} bad pagination values and ${COMPUTE.length} bad compute values: all 400`, async () => {
    const { server, snapshot } = await seeded();
    const before = await snapshot();
    const requests = [
      ...PAGINATION.map((query) => ({
        label: `GET ${USERS}?${query}`,
        method: "GET",
        path: `${USERS}?${query}`,
        write: true,
      })),
      ...COMPUTE.map((query) => ({
        label: `GET /compute?${query}`,
        method: "GET",
        path: `/compute?${query}`,
        write: true,
      })),
    ];
    const result = await run(server, requests);
    expect(result.violations).toEqual([]);
    expect(result.statuses).toEqual({ 400: requests.length });
    expect(await snapshot()).toBe(before);
  });

  it("unusual but valid text (RTL, zero-width, emoji, combining marks, SQL-looking) is stored and read back exactly", async () => {
    const { server } = await seeded();
    const names = [
      "\u202eevil\u202c",
      "שלום עולם",
      "مرحبا",
      "zero\u200bwidth\u200d",
      "🦄👩‍👩‍👧‍👦🏳️‍🌈",
      "e\u0301\u0301\u0301",
      'Robert\'); DROP TABLE "User";--',
      "' OR '1'='1",
      "%00%FF",
      "<script>alert(1)</script>",
      "\u00a0padded by NBSP\u00a0".trim(),
      "n".repeat(200),
      "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ];
    for (const [i, name] of names.entries()) {
      const created = await server.send("POST", USERS, json(JSON.stringify({ email: `valid${i}@example.com`, name })));
      expect(created.status, name).toBe(201);
      const id = (created.body as { id: number }).id;
      const read = await server.send("GET", `${USERS}/${id}`);
      expect((read.body as { name: string }).name, name).toBe(name);
    }
  });
});

// The wire: requests Node itself used to answer (a bare 400 or 417) or drop (CONNECT) before the
// app saw them, and complete writes on connections that end oddly. Expected: every answer in
// problem+json with its X-Request-ID in an access-log line, and the answer a client gets is the
// truth: a 2xx means the row is there, a 4xx that it is not. Where no answer can be delivered,
// a warn line names the request and its outcome.

const WIRE: [name: string, raw: (path: string) => string][] = [
  ["HTTP/1.1 without Host", (path) => `GET ${path} HTTP/1.1\r\n\r\n`],
  ["Expect: foo", (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n`],
  ["CONNECT to the path", (path) => `CONNECT ${path} HTTP/1.1\r\nHost: x\r\n\r\n`],
];
const PATHS = [...new Set(ROUTES.map((route) => route.path))];

/** The access-log line of the request a reply answered (written as the reply leaves: wait a little). */
const accessLine = (built: TestApp, reply: WireReply) =>
  waitFor(
    () =>
      built.logs.find(
        (line) =>
          line.requestId === reply.headers["x-request-id"] &&
          (line.msg === "request completed" || line.msg === "request errored"),
      ),
    2000,
  ).catch(() => undefined);

/** A sign-up (public: no token), as raw bytes. */
const createUser = (email: string, { version = "1.1", headers = "" } = {}) => {
  const body = JSON.stringify({ email, password: "a password sent on the wire" });
  return (
    `POST ${USERS} HTTP/${version}\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`
  );
};

describe("the wire: Node's own answers in the problem shape, and no write applied under an error answer", () => {
  it(`${WIRE.length} requests Node answered itself × ${PATHS.length} paths, and CONNECT to an authority: problem+json with X-Request-ID and an access-log line, zero changed rows`, async () => {
    const { built, server, snapshot } = await seeded();
    const before = await snapshot();
    const violations: string[] = [];
    const statuses: Record<string, number> = {};
    const requests: [label: string, raw: string][] = [
      ...PATHS.flatMap((path) => WIRE.map(([name, raw]): [string, string] => [`${path} [${name}]`, raw(path)])),
      ["CONNECT to an authority", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"],
    ];
    for (const [label, raw] of requests) {
      const { replies } = await wire(server.port, raw, { untilReplies: 1, timeoutMs: 3000 });
      const [reply] = replies;
      if (!reply || replies.length !== 1) {
        violations.push(`${label}: ${replies.length} replies`);
        continue;
      }
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      const violation = contractViolation(reply);
      if (violation) violations.push(`${label}: ${violation}`);
      else if (reply.status < 400) violations.push(`${label}: answered ${reply.status}`);
      else if (!(await accessLine(built, reply))) violations.push(`${label}: no access-log line for ${reply.status}`);
    }
    expect(violations).toEqual([]);
    expect(await snapshot()).toBe(before);
    console.info(`[corpus] wire: ${requests.length} requests, statuses ${JSON.stringify(statuses)}`);
  });

  it("a complete write on a connection that then ends oddly: the answer delivered is the truth", async () => {
    const { built, server } = await seeded();
    const cases: [name: string, data: string, options?: Parameters<typeof wire>[2]][] = [
      [
        "Connection: close, then one more byte",
        `${createUser("close-x@example.com", { headers: "Connection: close\r\n" })}X`,
      ],
      ["HTTP/1.0, then one more byte", `${createUser("http10-x@example.com", { version: "1.0" })}X`],
      ["half-closed right after sending", createUser("half-close@example.com"), { halfClose: true }],
      ["keep-alive, then bytes that are not HTTP", `${createUser("garbage-after@example.com")}GARBAGE\r\n\r\n`],
      [
        "keep-alive, then a request with a bad header",
        `${createUser("bad-header-after@example.com")}GET /ping HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n`,
      ],
    ];
    const outcomes: Record<string, unknown> = {};
    for (const [name, data, options] of cases) {
      const email = /"email":"([^"]+)"/.exec(data)?.[1] ?? "";
      const { replies } = await wire(server.port, data, options);
      const stored = (await built.db.client.user.count({ where: { email } })) === 1;
      outcomes[name] = { statuses: replies.map((reply) => reply.status), stored };
      // The first answer is the write's own; whatever follows it may refuse the rest.
      expect(replies[0]?.status, name).toBe(201);
      expect(stored, name).toBe(true);
      expect(await accessLine(built, replies[0] as WireReply), name).toBeDefined();
      for (const reply of replies) expect(contractViolation(reply), name).toBeUndefined();
    }
    console.info(`[corpus] writes on ending connections: ${JSON.stringify(outcomes)}`);
  });

  it("a broken chunked body: a write waiting for it is answered 400 under its own id, one that reads none gets its own answer", async () => {
    const { built, server } = await seeded();
    const broken = 'Transfer-Encoding: chunked\r\n\r\n5\r\n{"ema\r\nZZ\r\n';
    const post = await wire(
      server.port,
      `POST ${USERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${broken}`,
    );
    expect(post.replies.map((reply) => reply.status)).toEqual([400]);
    const [refused] = post.replies as [WireReply];
    expect(contractViolation(refused)).toBeUndefined();
    expect(await accessLine(built, refused)).toMatchObject({ res: { statusCode: 400 } });
    const [ada] = await built.db.client.user.findMany({ orderBy: { id: "asc" }, take: 1 });
    const { token } = await built.admin();
    const del = await wire(
      server.port,
      `DELETE ${USERS}/${ada?.id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${broken}`,
    );
    const stored = await built.db.client.user.count({ where: { id: ada?.id } });
    expect({ statuses: del.replies.map((reply) => reply.status), stored }).toEqual({ statuses: [204], stored: 0 });
  });

  it("a write whose client resets the connection before the answer: applied, and logged at warn with its id and outcome", async () => {
    const { built, server } = await seeded();
    const email = "reset-before-answer@example.com";
    // Hold the users table, so the write is still waiting for the database when the client goes.
    let release: (() => void) | undefined;
    const held = built.db.client.$transaction(
      async (tx) => {
        await tx.$executeRaw`LOCK TABLE users IN EXCLUSIVE MODE`;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { timeout: 20_000 },
    );
    await waitFor(() => release);
    const { replies } = await wire(server.port, createUser(email), { resetAfterMs: 200 });
    expect(replies).toEqual([]);
    await waitFor(() => openConnections(server)); // the server saw the reset
    release?.();
    await held;
    const line = await waitFor(() => built.logs.find((entry) => entry.msg === "request aborted"));
    expect(line).toMatchObject({ level: 40, req: { method: "POST", url: USERS }, res: { statusCode: 201 } });
    expect(line.requestId).toEqual(expect.any(String));
    expect(await built.db.client.user.count({ where: { email } })).toBe(1);
  });
});

/** Resolves with the first value other than undefined `check` returns; rejects after `timeoutMs`. */
async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** undefined while the server still has a connection open, else true. */
const openConnections = (server: Listening) =>
  new Promise<true | undefined>((resolve) =>
    server.server.getConnections((_error, count) => resolve(count === 0 ? true : undefined)),
  );

describe("JSON bodies are UTF-8 (RFC 8259)", () => {
  it("no charset or utf-8 in any case is read; every other charset is 415 and nothing is stored", async () => {
    const { built, server } = await seeded();
    const body = (email: string) => JSON.stringify({ email, name: "+ADw-script+AD4-" });
    for (const type of ["application/json", "application/json; charset=utf-8", 'application/json; charset="UTF-8"']) {
      const email = `ok-${built.logs.length}@example.com`;
      const res = await server.send("POST", USERS, { headers: { "content-type": type }, body: body(email) });
      expect(res.status, type).toBe(201);
      expect((res.body as { name: string }).name, type).toBe("+ADw-script+AD4-");
    }
    for (const charset of ["utf-7", "UTF-7", "utf-16", "utf-16be", "utf-32le", "iso-8859-1", "windows-1252", "utf8"]) {
      const email = `refused-${charset}@example.com`;
      const res = await server.send("POST", USERS, {
        headers: { "content-type": `application/json; charset=${charset}` },
        body: body(email),
      });
      expect(res.status, charset).toBe(415);
      expect(contractViolation(res), charset).toBeUndefined();
      expect(await built.db.client.user.count({ where: { email } }), charset).toBe(0);
    }
    expect(await built.db.client.user.count({ where: { name: "<script>" } })).toBe(0);
  });
});
