import { connect, type Socket } from "node:net";
import autocannon from "autocannon";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  HAS_POSTGRES,
  killLeftovers,
  migrate,
  type Postgres,
  startPostgres,
  startServer,
  waitFor,
} from "./support.ts";

// SIGTERM while autocannon is running, with a request half-sent (headers unfinished) and one
// received (body still coming). Expected: the half-sent one's connection is closed at once, the
// received one is answered; every request the server accepted (logged) was answered, with no
// failure; the process exits 0 within SHUTDOWN_TIMEOUT_MS, not after it.

const SHUTDOWN_TIMEOUT_MS = 5000;
const LOAD = { connections: 8, amount: 50_000, duration: 15 };
/** The load: a signed-in user reading their account (a session lookup and a read), and two routes without the database. */
const loadPaths = (userId: number) => [`/api/v1/users/${userId}`, "/ping", "/compute?n=20"];

let postgres: Postgres | undefined;
afterEach(async () => {
  killLeftovers();
  await postgres?.destroy();
  postgres = undefined;
});

async function sigtermUnderLoad(env: Record<string, string>, workers: number) {
  const server = await startServer(
    { RATE_LIMIT_MAX: "0", SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...env },
    { listening: workers },
  );
  // Five sign-ups, then the first one signs in: six 201s before the load.
  const password = "the load user's password";
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await call(server.url, "POST", "/api/v1/users", { email: `u${i}@example.com`, password });
    expect(created.status).toBe(201);
    ids.push((created.body as { id: number }).id);
  }
  const signedIn = await call(server.url, "POST", "/api/v1/sessions", { email: "u0@example.com", password });
  expect(signedIn.status).toBe(201);
  const authorization = `Bearer ${(signedIn.body as { token: string }).token}`;
  const LOAD_PATHS = loadPaths(ids[0] ?? 0);

  const received = new Map<string, Map<number, number>>();
  const count = (path: string, status: number) => {
    const byStatus = received.get(path) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    received.set(path, byStatus);
  };
  let responses = 0;
  let resolveFinished: (result: autocannon.Result) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve) => {
    resolveFinished = resolve;
  });
  const instance = autocannon(
    {
      url: server.url,
      ...LOAD,
      requests: LOAD_PATHS.map((path) => ({
        method: "GET" as const,
        path,
        headers: { authorization },
        onResponse: (status: number) => {
          responses++;
          count(path, status);
        },
      })),
    },
    (_error, result) => resolveFinished(result),
  );

  await waitFor("1000 responses under load", () => (responses >= 1000 ? true : undefined), 20_000);
  // A request half-sent (its headers never finish): not received, so the drain must not wait for it.
  const halfSent = await rawConnection(server.port);
  halfSent.socket.write("GET /api/v1/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  // A request received (headers complete, body under way): the drain waits for it, and it is answered.
  const inDrain = await rawConnection(server.port);
  const body = JSON.stringify({ email: "during-drain@example.com", password: "a sign-up during the drain" });
  inDrain.socket.write(
    "POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));

  const acceptedBefore = responses;
  const signalledAt = performance.now();
  server.kill("SIGTERM");
  await waitFor(
    `${workers} "shutting down" line(s)`,
    () =>
      server.lines.filter((line) => line.msg === "shutting down: draining in-flight requests").length >= workers
        ? true
        : undefined,
    SHUTDOWN_TIMEOUT_MS,
  );
  inDrain.socket.write(body.slice(10));
  const halfSentClosedMs = (await halfSent.closed) - signalledAt;
  await inDrain.closed;
  const { code, at } = await server.exited;
  const exitMs = at - signalledAt;
  instance.stop();
  const result = await finished;

  // The half-sent request: its connection closed at once, unanswered.
  expect(halfSent.reply()).toBe("");
  expect(halfSentClosedMs).toBeLessThan(1000);
  // The received one: answered after the signal, with Connection: close.
  expect(inDrain.reply()).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
  expect(inDrain.reply()).toMatch(/\r\nConnection: close\r\n/i);

  // Zero failed requests among those the server accepted: every request it logged was a success,
  // and every one of them reached the client.
  const completed = server.lines.filter((line) => line.msg === "request completed" || line.msg === "request errored");
  // The load's lines: not the setup's sign-ups and sign-in, nor the write received during the drain.
  const loadLines = completed.filter(
    (line) => !["/api/v1/users", "/api/v1/sessions"].includes((line.req as { url: string }).url),
  );
  const serverStatuses = new Map<number, number>();
  for (const line of loadLines) {
    const status = (line.res as { statusCode: number }).statusCode;
    serverStatuses.set(status, (serverStatuses.get(status) ?? 0) + 1);
  }
  const clientTotal = [...received.values()].reduce(
    (sum, byStatus) => sum + [...byStatus.values()].reduce((a, b) => a + b, 0),
    0,
  );
  const clientOk = [...received.values()].reduce((sum, byStatus) => sum + (byStatus.get(200) ?? 0), 0);
  expect(server.lines.filter((line) => line.msg === "request aborted")).toEqual([]);
  expect(Object.fromEntries(serverStatuses)).toEqual({ 200: loadLines.length });
  expect(clientOk).toBe(clientTotal);
  expect(clientTotal).toBe(loadLines.length);
  // The five sign-ups and the one received during the drain.
  expect(completed.filter((line) => (line.req as { url: string }).url === "/api/v1/users")).toHaveLength(6);

  expect(code).toBe(0);
  expect(exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  expect(server.lines.filter((line) => line.msg === "stopped").map((line) => line.clean)).toEqual(
    Array.from({ length: workers }, () => true),
  );
  const summary = {
    workers,
    load: LOAD,
    answeredBeforeSignal: acceptedBefore,
    answeredTotal: clientTotal,
    failedAmongAccepted: clientTotal - clientOk,
    connectionErrorsAfterClose: result.errors,
    halfSentClosedMs: Math.round(halfSentClosedMs),
    exitCode: code,
    exitMs: Math.round(exitMs),
  };
  console.info(`[faults] SIGTERM under load: ${JSON.stringify(summary)}`);
  return summary;
}

/** A raw loopback connection: what it received, and when the server closed it. */
async function rawConnection(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  let text = "";
  socket.on("data", (chunk) => {
    text += chunk;
  });
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now())));
  return { socket, closed, reply: () => text };
}

describe("SIGTERM under load (autocannon, loopback)", () => {
  it(`single process (PGlite): a half-sent request closed at once, a received one answered, zero failed accepted requests, exit 0 within SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}`, async () => {
    await sigtermUnderLoad({}, 1);
  });

  it.runIf(HAS_POSTGRES)(
    `WEB_CONCURRENCY=2 on PostgreSQL: the same, for both workers; the primary exits 0 within SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}`,
    async () => {
      postgres = await startPostgres();
      await migrate(postgres.url);
      await sigtermUnderLoad({ WEB_CONCURRENCY: "2", DATABASE_URL: postgres.url }, 2);
    },
  );
});
