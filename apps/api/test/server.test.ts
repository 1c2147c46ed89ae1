import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, connect, createServer } from "node:net";
import path from "node:path";
import { ExtensionRegistry } from "@repo/extensions";
import { createLogger } from "@repo/logger";
import express, { type RequestHandler } from "express";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { serve } from "../src/runtime/http-server.ts";
import { buildTestApp, type LogLine, testConfig } from "./support.ts";

const API_DIR = path.resolve(import.meta.dirname, "..");

/** A route that answers only when released; `entered` resolves once a request reached it. */
function slowRoute() {
  let release: () => void = () => {};
  let arrived: () => void = () => {};
  const entered = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const handler: RequestHandler = async (_req, res) => {
    await new Promise<void>((resolve) => {
      release = resolve;
      arrived();
    });
    res.json({ finished: true });
  };
  return { handler, entered, release: () => release() };
}

describe("serve(): graceful shutdown", () => {
  it("lets an in-flight request finish, turns readiness 503, refuses new connections, stops extensions", async () => {
    const events: string[] = [];
    const service = await buildTestApp({
      overrides: { PORT: "0" },
      start: false,
      extensions: [
        {
          name: "probe",
          start: async () => void events.push("start"),
          check: async () => {},
          stop: async () => void events.push("stop"),
        },
      ],
    });
    const slow = slowRoute();
    const outer = express().get("/slow", slow.handler).use(service.app);
    const { registry, logs } = service;
    const running = await serve({ ...service, app: outer });

    const inFlight = fetch(`${running.url}/slow`);
    await slow.entered; // received: the drain must wait for it
    const closing = running.close("SIGTERM");
    expect((await fetch(`${running.url}/api/v1/ready`).catch(() => undefined))?.status ?? "refused").toBe("refused");
    expect(registry.state).toBe("stopping");
    expect(events).toEqual(["start"]);
    slow.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.json()).toEqual({ finished: true });
    expect(await closing).toBe(true);
    expect(events).toEqual(["start", "stop"]);
    expect(logs.map((line) => line.msg)).toContain("shutting down: draining in-flight requests");
  });

  it("closes connections with no request in progress at once (half-sent, idle, silent) and waits only for received ones", async () => {
    const service = await buildTestApp({ overrides: { PORT: "0", SHUTDOWN_TIMEOUT_MS: "5000" }, start: false });
    const slow = slowRoute();
    const outer = express().get("/slow", slow.handler).use(service.app);
    const running = await serve({ ...service, app: outer });
    const { port } = new URL(running.url);
    const open = async (data?: string) => {
      const socket = connect(Number(port), "127.0.0.1");
      socket.on("error", () => {});
      await once(socket, "connect");
      if (data) socket.write(data);
      const closed = once(socket, "close").then(() => performance.now());
      return { socket, closed };
    };
    const halfSent = await open("GET /api/v1/ready HTTP/1.1\r\nHost: x\r\n");
    const silent = await open();
    const idle = await open("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    await once(idle.socket, "data");
    const inFlight = fetch(`${running.url}/slow`);
    await slow.entered;

    const started = performance.now();
    const closing = running.close("SIGTERM");
    const [halfSentAt, silentAt, idleAt] = await Promise.race([
      Promise.all([halfSent.closed, silent.closed, idle.closed]),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("not closed within 1 s")), 1000)),
    ]);
    slow.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    // Clean: the drain did not run into SHUTDOWN_TIMEOUT_MS (extensions stop after it).
    expect(await closing).toBe(true);
    const drainedMs = performance.now() - started;
    expect(Math.max(halfSentAt, silentAt, idleAt) - started).toBeLessThan(1000);
    console.info(
      `[server] drain with a half-sent, a silent and an idle connection: clean in ${Math.round(drainedMs)} ms`,
    );
  });

  it("cuts connections that outlive SHUTDOWN_TIMEOUT_MS and reports an unclean stop", async () => {
    const config = testConfig({ PORT: "0", SHUTDOWN_TIMEOUT_MS: "100" });
    const logger = createLogger({ level: "silent" });
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 });
    const hang = slowRoute();
    const hanging = express().get("/hang", hang.handler);
    const running = await serve({ config, logger, registry, app: hanging });
    const request = fetch(`${running.url}/hang`).catch((error: Error) => error);
    await hang.entered;
    expect(await running.close("SIGTERM")).toBe(false);
    expect(await request).toBeInstanceOf(Error);
  });
});

describe("server.ts: the real entry point", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  it("starts, logs its URL, answers, and exits 0 on SIGTERM", async () => {
    child = spawn(process.execPath, ["--conditions=@repo/source", "src/server.ts"], {
      cwd: API_DIR,
      env: { PATH: process.env.PATH ?? "", APP_ENV: "test", PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: LogLine[] = [];
    let buffer = "";
    const listening = new Promise<string>((resolve) => {
      child?.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        for (const part of parts) {
          const line = JSON.parse(part) as LogLine;
          lines.push(line);
          if (typeof line.url === "string") resolve(line.url);
        }
      });
    });
    const url = await listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/api/v1/ready`)).status).toBe(200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([`listening on ${url}`, "shutting down: draining in-flight requests", "stopped"]),
    );
  }, 90_000); // a process that boots and migrates an in-memory PGlite, beside the rest of the suite

  /** Runs server.ts until it exits; its stdout as JSON log lines. */
  async function failedStart(env: Record<string, string>) {
    child = spawn(process.execPath, ["--conditions=@repo/source", "src/server.ts"], {
      cwd: API_DIR,
      env: { PATH: process.env.PATH ?? "", APP_ENV: "test", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const [code] = await once(child, "exit");
    const lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as LogLine);
    return { code, lines, fatal: lines.filter((line) => line.level === 60) };
  }

  /** A loopback port nothing listens on, and one something does. */
  async function ports() {
    const busy = createServer();
    busy.listen(0, "127.0.0.1");
    await once(busy, "listening");
    const closed = createServer().listen(0, "127.0.0.1");
    await once(closed, "listening");
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    onTestFinished(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    return { busy: (busy.address() as AddressInfo).port, free };
  }

  it("cannot reach PostgreSQL: one message with its host:port and what to do, no stack, exit code 1; the error in full at LOG_LEVEL=debug", async () => {
    const { free } = await ports();
    const url = `postgresql://app:pw@127.0.0.1:${free}/app`;
    const { code, lines, fatal } = await failedStart({ DATABASE_URL: url });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(fatal[0]?.msg).toBe(
      `Cannot reach PostgreSQL at 127.0.0.1:${free} (DATABASE_URL). Is it running and accepting connections there? ` +
        "Start it, or remove DATABASE_URL to use the embedded database. (LOG_LEVEL=debug logs the error in full)",
    );
    expect(fatal[0]).not.toHaveProperty("err");

    const debug = await failedStart({ DATABASE_URL: url, LOG_LEVEL: "debug" });
    expect(debug.code).toBe(1);
    expect(debug.fatal[0]?.msg).toMatch(
      /^Cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(DATABASE_URL\)\. .*embedded database\.$/,
    );
    expect(debug.fatal[0]?.err).toMatchObject({
      type: "ExtensionStartError",
      stack: expect.stringContaining("Can't reach database server"),
    });
  });

  it("port in use: one message naming the port and how to pick another, no stack, exit code 1", async () => {
    const { busy } = await ports();
    const { code, fatal } = await failedStart({ PORT: String(busy) });
    expect(code).toBe(1);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toBe(
      `127.0.0.1:${busy} is already in use by another process. Stop it, or set another PORT (for example \`PORT=3001 pnpm dev\`). ` +
        "(LOG_LEVEL=debug logs the error in full)",
    );
    expect(fatal[0]).not.toHaveProperty("err");
  }, 90_000); // the server starts its database before it finds the port taken

  it("refuses to start with bad configuration, with one message and exit code 1", async () => {
    child = spawn(process.execPath, ["--conditions=@repo/source", "src/server.ts"], {
      cwd: API_DIR,
      env: { PATH: process.env.PATH ?? "", APP_ENV: "production", PORT: "http" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration (profile "production")');
    expect(stderr).toContain("PORT:");
    expect(stderr).toContain("SECRET_KEY: required in production");
  });
});
