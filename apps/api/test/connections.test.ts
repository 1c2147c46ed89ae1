import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { type Listening, listen, wire } from "./raw-http.ts";
import { buildTestApp } from "./support.ts";

// Slow clients and many clients, against the production HTTP server (src/runtime/http-server.ts)
// on a loopback port. Each timeout must fire, and within about a second of its setting: Node only
// looks for expired requests every `connectionsCheckingInterval`, 30 s unless configured.

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const SEND_TIMEOUT_MS = 1000;
/** How late a timeout may fire on a loaded 2-core machine. */
const LATE_MS = 1500;

const timeouts = {
  HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
  RATE_LIMIT_MAX: "0",
};

/** Opens a connection and sends `head`, then one more byte every 200 ms, until the server closes it. */
function trickle(port: number, head: string): Promise<{ closedAfterMs: number; received: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      socket.write(head);
      timer = setInterval(() => socket.write("a"), 200);
    });
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, received });
    });
  });
}

const openConnections = (server: Listening) =>
  new Promise<number>((resolve, reject) =>
    server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

describe("slow clients are cut off at their timeouts", () => {
  it(`headers trickling in: 408 problem+json within about a second of HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS}`, async () => {
    const built = await buildTestApp({ overrides: timeouts });
    const server = await listen(built);
    const { closedAfterMs, received } = await trickle(server.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a");
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).toContain("application/problem+json");
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + LATE_MS);
    console.info(`[connections] slow headers cut after ${Math.round(closedAfterMs)} ms`);
  });

  it(`a body trickling in: 408 within about a second of REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}, nothing written`, async () => {
    const built = await buildTestApp({ overrides: timeouts });
    const server = await listen(built);
    const { closedAfterMs, received } = await trickle(
      server.port,
      'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":"slow@example.com","name":"',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + LATE_MS);
    expect(await built.db.client.user.count()).toBe(0);
    console.info(`[connections] slow body cut after ${Math.round(closedAfterMs)} ms`);
  });

  it(`a client that does not read its answers: cut within about a second of SEND_TIMEOUT_MS=${SEND_TIMEOUT_MS} after the last one it took, logged at warn`, async () => {
    const built = await buildTestApp({ overrides: timeouts });
    const server = await listen(built);
    const socket: Socket = connect(server.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.on("error", () => {});
    // Never read: the answers (the OpenAPI document, pipelined) fill the socket buffers and stop.
    socket.pause();
    const started = performance.now();
    socket.write("GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(2000));
    const giveUpAt = started + 30_000;
    let open = 1;
    while (open > 0 && performance.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      open = await openConnections(server);
    }
    socket.destroy();
    expect(open).toBe(0);
    const cut = built.logs.find((line) => line.msg?.startsWith("answer not taken within SEND_TIMEOUT_MS"));
    expect(cut).toMatchObject({ level: 40, status: 200, timeoutMs: SEND_TIMEOUT_MS });
    expect(cut?.requestId).toEqual(expect.any(String));
    // From the last answer the client took (the buffers full from then on) to the cut.
    const taken = built.logs.filter((line) => line.msg === "request completed");
    const lastTakenAt = Date.parse(String(taken.at(-1)?.time));
    const cutAfterMs = Date.parse(String(cut?.time)) - lastTakenAt;
    expect(taken.length).toBeGreaterThan(0);
    expect(cutAfterMs).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 50);
    expect(cutAfterMs).toBeLessThan(SEND_TIMEOUT_MS + LATE_MS);
    console.info(
      `[connections] slow reader: ${taken.length} answers taken, cut ${cutAfterMs} ms after the last (${Math.round(performance.now() - started)} ms in all)`,
    );
  });
});

describe("MAX_CONNECTIONS", () => {
  it("past the limit a connection is answered 503 problem+json with Retry-After and closed; below it, served again", async () => {
    const built = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "0", MAX_CONNECTIONS: "3" } });
    expect(await built.db.client.user.count()).toBe(0); // the database is open before the clock starts
    const server = await listen(built);
    const held: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = connect(server.port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve) => socket.once("connect", resolve));
      held.push(socket);
    }
    while ((await openConnections(server)) < 3) await new Promise((resolve) => setTimeout(resolve, 10));

    const body = JSON.stringify({ email: "over@example.com" });
    const over = await wire(
      server.port,
      `POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      { untilReplies: 1, timeoutMs: 3000 },
    );
    const [reply] = over.replies;
    expect(reply?.status).toBe(503);
    expect(reply?.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((reply?.body as { requestId?: string } | undefined)?.requestId).toBe(reply?.headers["x-request-id"]);
    expect(reply?.headers.connection).toBe("close");
    expect(Number(reply?.headers["retry-after"])).toBeGreaterThan(0);
    expect(reply?.body).toMatchObject({ type: "urn:problem:over-capacity", status: 503 });
    expect(
      built.logs.some((line) => line.requestId === reply?.headers["x-request-id"] && line.msg === "request errored"),
    ).toBe(true);
    expect(await built.db.client.user.count()).toBe(0);

    held.pop()?.destroy();
    while ((await openConnections(server)) > 2) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await server.send("GET", "/api/v1/health")).status).toBe(200);
    for (const socket of held) socket.destroy();
  });
});
