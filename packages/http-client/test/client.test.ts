import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, HttpClientError } from "../src/index.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server on 127.0.0.1 that fails on purpose: each test registers what a path does. */
const routes = new Map<string, Handler>();
const hits = new Map<string, IncomingMessage[]>();
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, [...(hits.get(path) ?? []), req]);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** Fails `times` times with `status`, then answers 200 {"ok":true}. */
function flaky(path: string, times: number, status = 503) {
  let left = times;
  routes.set(path, (_req, res) => {
    if (left-- > 0) res.writeHead(status).end("down");
    else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
}

const fast = { backoff: { initialDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 200 };

async function failure(promise: Promise<unknown>): Promise<HttpClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpClientError);
  return error as HttpClientError;
}

describe("createHttpClient", () => {
  it("retries an idempotent request through 503s with backoff, then returns the response", async () => {
    flaky("/flaky-get", 2);
    const client = createHttpClient({ baseUrl, ...fast, retries: 2 });
    const res = await client.get("/flaky-get");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(hits.get("/flaky-get")).toHaveLength(3);
  });

  it("never retries a POST (not idempotent) unless told it is", async () => {
    flaky("/flaky-post", 1);
    const client = createHttpClient({ baseUrl, ...fast });
    const error = await failure(client.post("/flaky-post", { a: 1 }));
    expect(error).toMatchObject({ kind: "status", status: 503, attempts: 1, method: "POST" });
    expect(hits.get("/flaky-post")).toHaveLength(1);

    flaky("/flaky-post-key", 1);
    const res = await client.post(
      "/flaky-post-key",
      { a: 1 },
      { idempotent: true, headers: { "idempotency-key": "k1" } },
    );
    expect(res.status).toBe(200);
    expect(hits.get("/flaky-post-key")).toHaveLength(2);
  });

  it("gives up after the allowed attempts with the last status", async () => {
    flaky("/down", 10);
    const client = createHttpClient({ baseUrl, ...fast, retries: 2 });
    expect(await failure(client.get("/down"))).toMatchObject({ kind: "status", status: 503, attempts: 3 });
  });

  it("returns 4xx responses to the caller without retrying", async () => {
    routes.set("/missing", (_req, res) => res.writeHead(404).end());
    const client = createHttpClient({ baseUrl, ...fast });
    expect((await client.get("/missing")).status).toBe(404);
    expect(hits.get("/missing")).toHaveLength(1);
  });

  it("times out each attempt", async () => {
    const pending: ServerResponse[] = [];
    routes.set("/slow", (_req, res) => void pending.push(res));
    const client = createHttpClient({ baseUrl, ...fast, timeoutMs: 50, retries: 1 });
    const started = Date.now();
    expect(await failure(client.get("/slow"))).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(Date.now() - started).toBeLessThan(1000);
    for (const res of pending) res.end();
  });

  it("reports a refused connection as a network failure", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createHttpClient({ baseUrl: `http://127.0.0.1:${port}`, ...fast, retries: 1 });
    expect(await failure(client.get("/x"))).toMatchObject({ kind: "network", attempts: 2 });
  });

  it("opens the circuit after consecutive failures, fails fast, then closes on a success", async () => {
    let healthy = false;
    routes.set("/breaker", (_req, res) => res.writeHead(healthy ? 200 : 503).end());
    const client = createHttpClient({ baseUrl, ...fast, retries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: 100 });
    for (let i = 0; i < 3; i++) await failure(client.get("/breaker"));
    expect(client.circuit).toBe("open");
    expect(await failure(client.get("/breaker"))).toMatchObject({ kind: "circuit-open" });
    expect(hits.get("/breaker")).toHaveLength(3);
    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await client.get("/breaker")).status).toBe(200);
    expect(client.circuit).toBe("closed");
  });

  it("propagates X-Request-ID, sends JSON and query parameters", async () => {
    routes.set("/echo", (req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ headers: req.headers, body, url: req.url }));
      });
    });
    const client = createHttpClient({ baseUrl, requestId: () => "req-123", headers: { "user-agent": "api/1" } });
    const echo = (await (await client.put("/echo", { n: 1 }, { query: { q: "a b", skip: undefined } })).json()) as {
      headers: Record<string, string>;
      body: string;
      url: string;
    };
    expect(echo.headers).toMatchObject({
      "x-request-id": "req-123",
      "content-type": "application/json",
      "user-agent": "api/1",
    });
    expect(echo.body).toBe('{"n":1}');
    expect(echo.url).toBe("/echo?q=a+b");
  });

  it("propagates the W3C trace context when tracing is on", async () => {
    routes.set("/trace", (req, res) => res.writeHead(200).end(String(req.headers.traceparent)));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const client = createHttpClient({ baseUrl });
      const span = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 };
      const res = await context.with(trace.setSpanContext(context.active(), span), () => client.get("/trace"));
      expect(await res.text()).toBe(`00-${span.traceId}-${span.spanId}-01`);
    } finally {
      propagation.disable();
      context.disable();
    }
  });

  it("stops when the caller aborts", async () => {
    routes.set("/hang", () => {});
    const client = createHttpClient({ baseUrl, ...fast, timeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(await failure(client.get("/hang", { signal: controller.signal }))).toMatchObject({ kind: "aborted" });
  });
});
