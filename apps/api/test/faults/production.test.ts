import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contractViolation, type WireReply, wire } from "../raw-http.ts";
import {
  call,
  HAS_POSTGRES,
  isProblem,
  killLeftovers,
  type LogLine,
  migrate,
  type Postgres,
  type ServerProcess,
  startPostgres,
  startServer,
  waitFor,
} from "./support.ts";

// The production build (bundle/server.js, APP_ENV=production), as `pnpm start` and the image run
// it, against a PostgreSQL server of its own: the reproductions of issue 12, each against the
// process an operator runs. After every test, every line the process wrote is one JSON object.

let postgres: Postgres;
let databases = 0;
let server: ServerProcess | undefined;

beforeAll(async () => {
  if (HAS_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.destroy();
});
afterEach(() => {
  const other = server?.other ?? [];
  server = undefined;
  killLeftovers();
  expect(other, "lines the process wrote that are not one JSON object").toEqual([]);
});

/** A database of the test's own, migrated (as the release step does) or not. */
async function database(migrated: boolean): Promise<string> {
  const url = await postgres.createDatabase(`production_${++databases}`);
  if (migrated) await migrate(url);
  return url;
}

async function production(env: Record<string, string>): Promise<ServerProcess> {
  server = await startServer({ RATE_LIMIT_MAX: "0", ...env }, { production: true });
  return server;
}

const byRequest = (running: ServerProcess, requestId: unknown, msg: string) =>
  running.lines.find((line) => line.requestId === requestId && line.msg === msg);

/** Sign-ups carry one; what it is does not matter here. */
const PASSWORD = "correct horse battery staple";

const createUser = (email: string, { version = "1.1", headers = "", name = "" } = {}) => {
  const body = JSON.stringify({ email, password: PASSWORD, ...(name ? { name } : {}) });
  return (
    `POST /api/v1/users HTTP/${version}\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`
  );
};

describe.runIf(HAS_POSTGRES)("the production build", () => {
  it("is not ready on a database nobody migrated (said at start and on every probe, with the reason in the log only), and ready once migrated, without a restart", async () => {
    const url = await database(false);
    const running = await production({ DATABASE_URL: url });
    const atStart = await running.waitForLine("the not-ready line at start", (line) => line.msg === "not ready: db");
    expect(atStart).toMatchObject({
      level: 40,
      failed: { db: expect.stringMatching(/^\d+ migrations? pending: \d{14}_init/) },
    });

    const ready = await call(running.url, "GET", "/api/v1/ready");
    expect(isProblem(ready, 503)).toBe(true);
    const problem = ready.body as { detail: string; requestId: string; checks: { db: Record<string, unknown> } };
    expect(problem.detail).toBe("not ready: db");
    expect(problem.checks.db).toEqual({ status: "error", durationMs: expect.any(Number) });
    expect(byRequest(running, problem.requestId, "not ready: db")).toMatchObject({
      failed: { db: expect.stringMatching(/migrations? pending/) },
    });

    await migrate(url);
    const after = await waitFor(
      "ready 200 after the migration",
      async () => {
        const reply = await call(running.url, "GET", "/api/v1/ready");
        return reply.status === 200 ? reply : undefined;
      },
      10_000,
    );
    expect(after.body).toMatchObject({ status: "ready", checks: { db: { status: "ok" } } });
    expect(
      (await call(running.url, "POST", "/api/v1/users", { email: "after-migrate@example.com", password: PASSWORD }))
        .status,
    ).toBe(201);
  });

  it("readiness with the database gone says which check failed, not why; the reason goes to the log with the request id", async () => {
    const url = await database(true);
    const name = new URL(url).pathname.slice(1);
    const running = await production({ DATABASE_URL: url, DATABASE_TIMEOUT_MS: "1000", READY_TIMEOUT_MS: "1000" });
    expect((await call(running.url, "GET", "/api/v1/ready")).status).toBe(200);
    await postgres.dropDatabase(name);
    const ready = await call(running.url, "GET", "/api/v1/ready");
    expect(isProblem(ready, 503)).toBe(true);
    const problem = ready.body as { requestId: string; checks: { db: Record<string, unknown> } };
    expect(problem.checks.db).toEqual({ status: "error", durationMs: expect.any(Number) });
    const text = JSON.stringify(ready.body);
    for (const secret of [name, "127.0.0.1", String(postgres.port), "prisma", "Invalid"])
      expect(text).not.toContain(secret);
    const reason = byRequest(running, problem.requestId, "not ready: db") as LogLine & { failed: { db: string } };
    expect(reason).toMatchObject({ level: 40 });
    expect(reason.failed.db).toContain(name);
  });

  it("X-Forwarded-For without TRUST_PROXY: the rate limiter's warning is one JSON line, once", async () => {
    const running = await production({ DATABASE_URL: await database(true), RATE_LIMIT_MAX: "100" });
    for (let i = 0; i < 3; i++) {
      const reply = await call(running.url, "GET", "/api/v1/openapi.json", undefined, {
        headers: { "x-forwarded-for": `198.51.100.${i}` },
      });
      expect(reply.status).toBe(200);
    }
    await running.waitForLine("the limiter's warning", (line) => line.code === "ERR_ERL_UNEXPECTED_X_FORWARDED_FOR");
    expect(running.lines.filter((line) => line.code === "ERR_ERL_UNEXPECTED_X_FORWARDED_FOR")).toHaveLength(1);
  });

  it("a complete write on a connection that ends (Connection: close or HTTP/1.0 plus a byte, a half-close): answered 201, never 400", async () => {
    const running = await production({ DATABASE_URL: await database(true) });
    const cases: [email: string, data: string, halfClose: boolean][] = [
      ["lost201b@example.com", `${createUser("lost201b@example.com", { headers: "Connection: close\r\n" })}X`, false],
      ["lost201d@example.com", `${createUser("lost201d@example.com", { version: "1.0" })}X`, false],
      ["lost201c@example.com", createUser("lost201c@example.com"), true],
    ];
    for (const [email, data, halfClose] of cases) {
      const { replies } = await wire(running.port, data, { halfClose });
      expect(
        replies.map((reply) => reply.status),
        email,
      ).toEqual([201]);
      const again = await call(running.url, "POST", "/api/v1/users", { email, password: PASSWORD });
      expect(again.status, `${email} was written`).toBe(409);
    }
  });

  it("slow clients are cut within about a second of HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS and SEND_TIMEOUT_MS", async () => {
    const settings = { HEADERS_TIMEOUT_MS: 2000, REQUEST_TIMEOUT_MS: 3000, SEND_TIMEOUT_MS: 2000 };
    const running = await production({
      DATABASE_URL: await database(true),
      ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, String(value)])),
    });
    const [headers, body] = await Promise.all([
      wire(running.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a", { timeoutMs: 60_000 }),
      wire(
        running.port,
        'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
        { timeoutMs: 60_000 },
      ),
    ]);
    // Never reads: pipelined answers fill the socket buffers until the server cuts it.
    const reader = connect(running.port, "127.0.0.1");
    reader.on("error", () => {});
    reader.pause();
    reader.write("GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(2000));
    const cut = await running.waitForLine(
      "the slow reader cut",
      (line) => String(line.msg).startsWith("answer not taken within SEND_TIMEOUT_MS"),
      60_000,
    );
    reader.destroy();
    // From the last answer it took (the buffers full from then on) to the cut.
    const taken = running.lines.filter(
      (line) => line.msg === "request completed" && (line.req as { url: string }).url === "/api/v1/openapi.json",
    );
    const readerCutMs = Date.parse(String(cut.time)) - Date.parse(String(taken.at(-1)?.time));
    const measured = { headers: headers.closedAfterMs, body: body.closedAfterMs, reader: Math.round(readerCutMs) };
    console.info(
      `[faults] production slow clients, cut after (ms): ${JSON.stringify(measured)} for ${JSON.stringify(settings)}`,
    );
    expect(headers.replies.map((reply) => reply.status)).toEqual([408]);
    expect(body.replies.map((reply) => reply.status)).toEqual([408]);
    // Each fired (not earlier than its setting), and within about a second of it.
    expect(measured.headers).toBeGreaterThanOrEqual(settings.HEADERS_TIMEOUT_MS - 100);
    expect(measured.headers).toBeLessThan(settings.HEADERS_TIMEOUT_MS + 1500);
    expect(measured.body).toBeGreaterThanOrEqual(settings.REQUEST_TIMEOUT_MS - 100);
    expect(measured.body).toBeLessThan(settings.REQUEST_TIMEOUT_MS + 1500);
    expect(measured.reader).toBeGreaterThanOrEqual(settings.SEND_TIMEOUT_MS - 100);
    expect(measured.reader).toBeLessThan(settings.SEND_TIMEOUT_MS + 1500);
  });

  it("Node's own answers (no Host, Expect: foo, CONNECT) and a non-UTF-8 body are problem+json with X-Request-ID and an access-log line", async () => {
    const running = await production({ DATABASE_URL: await database(true) });
    const requests: [name: string, raw: string, status: number][] = [
      ["no Host", "GET /api/v1/health HTTP/1.1\r\n\r\n", 400],
      ["Expect: foo", "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417],
      ["CONNECT", "CONNECT /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", 405],
      [
        "UTF-7 JSON",
        createUser("utf7@example.com", { name: "+ADw-script+AD4-" }).replace(
          "application/json",
          "application/json; charset=utf-7",
        ),
        415,
      ],
    ];
    for (const [name, raw, status] of requests) {
      const { replies } = await wire(running.port, raw, { untilReplies: 1, timeoutMs: 3000 });
      const reply = replies[0] as WireReply;
      expect(reply?.status, name).toBe(status);
      expect(contractViolation(reply), name).toBeUndefined();
      await running.waitForLine(
        `the access-log line of ${name}`,
        (line) => line.requestId === reply.headers["x-request-id"] && line.msg === "request completed",
      );
    }
    expect(
      (await call(running.url, "POST", "/api/v1/users", { email: "utf7@example.com", password: PASSWORD })).status,
    ).toBe(201);
  });
});
