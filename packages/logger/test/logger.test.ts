import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify, stripVTControlCharacters } from "node:util";
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

/** The text written to a stream. */
function captureText() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { text: () => chunks.join(""), destination };
}

describe('createLogger({ format: "pretty" })', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it("writes one line per request: method, path, status, time and request id", async () => {
    const { text, destination } = captureText();
    const httpLogger = createHttpLogger({
      logger: createLogger({ level: "info", format: "pretty", destination }),
      requestId: (req) => String(req.headers["x-request-id"]),
    });
    const server = createServer((req, res) => {
      httpLogger(req, res);
      req.log.info({ user: 7 }, "inside");
      res.statusCode = req.url === "/missing" ? 404 : 201;
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/users?limit=2`, { headers: { "x-request-id": "req-42" } });
    await fetch(`http://127.0.0.1:${port}/missing`, { headers: { "x-request-id": "req-43" } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = stripVTControlCharacters(text()).trimEnd().split("\n");
    const access = lines.filter((line) => line.includes(" ms "));
    expect(access).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/users\?limit=2 201 \d+ ms req-42$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: GET \/missing 404 \d+ ms req-43$/),
    ]);
    // Other lines stay as pino-pretty prints them, fields included.
    expect(text()).toContain("inside");
    expect(text()).toMatch(/user: 7/);
    expect(text()).not.toContain('"level"');
  });

  it("is pretty when stdout is not a terminal (an IDE console, | tee)", async () => {
    const script = [
      `import { createLogger } from ${JSON.stringify(path.join(import.meta.dirname, "../src/index.ts"))};`,
      `const logger = createLogger({ level: "info", format: "pretty" });`,
      `logger.info({ user: 7 }, "hello");`,
      `logger.flush();`,
    ].join("\n");
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(stdout).toMatch(/INFO: hello/);
    expect(stdout).not.toContain('"msg"');
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

  it("redacts the values of secret-looking query parameters in the logged URL", async () => {
    const { lines, destination } = capture();
    const httpLogger = createHttpLogger({ logger: createLogger({ level: "info", destination }), requestId: () => "r" });
    const server = createServer((req, res) => {
      httpLogger(req, res);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    const query = [
      "token=t1",
      "page=2",
      "api_key=k1",
      "Access_Token=t2",
      "X-Amz-Signature=s1",
      "code=c1",
      "apiKey=k2",
      "client_secret=s2",
      "PASSWORD=p1",
      "sessionId=s3",
      "auth=a1",
      "api%5Fkey=k3",
      "q=monkey+keys",
      "sort=name",
    ].join("&");
    for (const url of [`/search?${query}`, "/plain", "/empty?", "/flag?token"]) {
      await fetch(`http://127.0.0.1:${port}${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const urls = lines.map((line) => (line.req as { url: string }).url);
    expect(urls).toEqual([
      "/search?token=[redacted]&page=2&api_key=[redacted]&Access_Token=[redacted]&X-Amz-Signature=[redacted]" +
        "&code=[redacted]&apiKey=[redacted]&client_secret=[redacted]&PASSWORD=[redacted]&sessionId=[redacted]" +
        "&auth=[redacted]&api%5Fkey=[redacted]&q=monkey+keys&sort=name",
      "/plain",
      "/empty?",
      "/flag?token",
    ]);
    for (const secret of ["t1", "t2", "k1", "k2", "k3", "s1", "s2", "s3", "c1", "p1", "a1"]) {
      expect(JSON.stringify(lines)).not.toContain(`=${secret}`);
    }
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

  it("logs an abandoned request the app never answers too (a dropped stream, a hung handler), once, after abortedWaitMs", async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination });
    const httpLogger = createHttpLogger({ logger, requestId: () => "r", abortedWaitMs: 200 });
    const server = createServer((req, res) => httpLogger(req, res)); // never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => {
      server.closeAllConnections();
      server.close();
    };
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/hangs`, { signal: AbortSignal.timeout(100) }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(lines.map((line) => [line.level, line.msg, line.outcome])).toEqual([[40, "request aborted", "unknown"]]);
  });
});
