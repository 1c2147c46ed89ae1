import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpLogger, createLogger } from "../src/index.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON lines at the configured level", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "warn", destination });
    logger.info("hidden");
    logger.warn({ user: 1 }, "shown");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: "shown", user: 1 });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("redacts passwords, tokens and secrets at any depth it knows", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination });
    logger.info({ password: "p1", token: "t1", user: { password: "p2", accessToken: "t2" }, SECRET_KEY: "k1" }, "x");
    const text = JSON.stringify(lines);
    for (const secret of ["p1", "p2", "t1", "t2", "k1"]) expect(text).not.toContain(`"${secret}"`);
    expect(lines[0]?.password).toBe("[redacted]");
  });
});

describe("createHttpLogger", () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it("logs one access line per request with its id, and never credential headers", async () => {
    const { lines, destination } = capture();
    const httpLogger = createHttpLogger({
      logger: createLogger({ level: "info", destination }),
      requestId: (req) => String(req.headers["x-request-id"]),
    });
    const server = createServer((req, res) => {
      httpLogger(req, res);
      req.log.info("inside");
      res.setHeader("set-cookie", "session=abc");
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/x`, {
      headers: { "x-request-id": "req-42", authorization: "Bearer sekrit", cookie: "sid=sekrit" },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.map((line) => line.requestId)).toEqual(["req-42", "req-42"]);
    expect(lines[1]).toMatchObject({
      msg: "request completed",
      req: { method: "GET", url: "/x", remoteAddress: "127.0.0.1", userAgent: expect.any(String) },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain("sekrit");
    expect(JSON.stringify(lines)).not.toContain("session=abc");
  });

  it("logs 4xx at warn, 5xx at error, and a request the client abandoned as aborted, with the status it was answered", async () => {
    const { lines, destination } = capture();
    const httpLogger = createHttpLogger({ logger: createLogger({ level: "info", destination }), requestId: () => "r" });
    let answerLate = () => {};
    const server = createServer((req, res) => {
      httpLogger(req, res);
      if (req.url === "/late") {
        // Answered after the client gave up (a write that went through): the line tells that outcome.
        answerLate = () => {
          res.statusCode = 201;
          res.end("{}");
        };
        return;
      }
      res.statusCode = Number(req.url?.slice(1));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    for (const path of ["/200", "/404", "/503"]) await fetch(`http://127.0.0.1:${port}${path}`);
    await fetch(`http://127.0.0.1:${port}/late`, { signal: AbortSignal.timeout(100) }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toHaveLength(3);
    answerLate();
    expect(lines.map((line) => [line.req && (line.req as { url: string }).url, line.level, line.msg])).toEqual([
      ["/200", 30, "request completed"],
      ["/404", 40, "request completed"],
      ["/503", 50, "request errored"],
      ["/late", 40, "request aborted"],
    ]);
    expect(lines[3]?.res).toEqual({ statusCode: 201 });
  });
});
