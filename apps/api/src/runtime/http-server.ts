import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Config } from "@repo/config";
import type { ExtensionRegistry } from "@repo/extensions";
import type { Logger } from "@repo/logger";
import type { Express } from "express";
import { HttpError } from "../http/errors.ts";
import { markOverCapacity } from "../http/guards.ts";
import { PROBLEM_MEDIA_TYPE } from "../http/problem.ts";
import { REQUEST_ID_HEADER } from "../http/request-id.ts";
import { Connections } from "./connections.ts";
import { listen } from "./listen.ts";

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Graceful stop: readiness turns 503, the listener closes, connections with no request
   * received close at once, received requests finish (bounded by SHUTDOWN_TIMEOUT_MS), then
   * extensions stop in reverse order. Resolves true when everything drained in time.
   */
  close(reason: string): Promise<boolean>;
}

/**
 * Largest request line + headers Node accepts (its default, pinned so a `--max-http-header-size`
 * flag cannot raise it). A URL or headers past it are answered 431 by the 'clientError' handler.
 */
export const MAX_HEADER_SIZE = 16 * 1024;

/**
 * How often Node looks for requests past HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS. Its default is
 * 30 s, which let a 10 s headers timeout fire after 29 s: at this interval both fire within about
 * half a second of their setting. The sweep walks only connections with a request under way.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 500;

type ServeOptions = { config: Config; logger: Logger; registry: ExtensionRegistry; app: Express };

/**
 * The HTTP server, not yet listening: the configured timeouts and connection limit, the header
 * size limit, and the requests Node would answer or drop itself (no Host, an unmet Expect,
 * CONNECT, bytes it cannot parse) answered in the problem shape. Tests listen on it to exercise
 * the real server.
 */
export function createHttpServer(options: Pick<ServeOptions, "config" | "logger" | "app">): Server {
  return buildServer(options).server;
}

function buildServer({ config, logger, app }: Pick<ServeOptions, "config" | "logger" | "app">) {
  const server = createServer(
    {
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      maxHeaderSize: MAX_HEADER_SIZE,
      // Node would answer a bare 400 itself; the app answers it (src/http/guards.ts).
      requireHostHeader: false,
    },
    app,
  );
  // A client that half-closes after sending ("I am done sending") still reads: answer it, then
  // close. Node's default ends the connection at once, so the request ran and its answer was lost.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const connections = new Connections(server, {
    maxConnections: config.MAX_CONNECTIONS,
    sendTimeoutMs: config.SEND_TIMEOUT_MS,
    logger,
  });
  server.prependListener("request", (req: IncomingMessage) => {
    if (connections.overCapacity(req.socket)) markOverCapacity(req);
  });
  // Node would answer a bare 417; the app answers it (src/http/guards.ts).
  server.on("checkExpectation", (req, res) => server.emit("request", req, res));
  server.on("connect", (req: IncomingMessage, socket: Socket) => answerConnect(server, req, socket));
  server.on("clientError", (error, socket) =>
    answerClientError(error as NodeJS.ErrnoException, socket as Socket, logger, connections),
  );
  return { server, connections };
}

/** Starts the extensions, then listens on HOST:PORT with the configured timeouts. */
export async function serve({ config, logger, registry, app }: ServeOptions): Promise<RunningServer> {
  await registry.start();
  const { server, connections } = buildServer({ config, logger, app });

  let url: string;
  try {
    url = await listen(server, config.PORT, config.HOST);
  } catch (error) {
    await registry.stop();
    throw error;
  }
  logger.info({ url, profile: config.APP_ENV }, `listening on ${url}`);
  // Say at once what readiness will say (e.g. a database nobody migrated), not at the first probe.
  void registry.readiness().then(({ failed }) => {
    const names = Object.keys(failed);
    if (names.length > 0) logger.warn({ failed }, `not ready: ${names.join(", ")}`);
  });

  let closing = false;
  const close = async (reason: string): Promise<boolean> => {
    if (closing) return false;
    closing = true;
    logger.info({ reason }, "shutting down: draining in-flight requests");
    registry.beginShutdown();
    const drained = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
    // Answers switch to `Connection: close`, so keep-alive clients reconnect elsewhere.
    connections.drain();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS);
    });
    const clean = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown timeout: closing remaining connections");
      connections.destroyAll();
    }
    await registry.stop();
    logger.info({ clean }, "stopped");
    return clean;
  };

  return { server, url, close };
}

/**
 * CONNECT: Node hands over the raw socket and, with no listener, drops it unanswered. This is
 * not a proxy: the app answers it like any method it does not serve (405 with Allow, or 404),
 * through a response of its own on that socket, which then closes.
 */
function answerConnect(server: Server, req: IncomingMessage, socket: Socket): void {
  // `CONNECT host:port` names no path, and Express routes paths only: route it as one (a 404),
  // logged as it was sent.
  if (!req.url?.startsWith("/")) {
    Object.assign(req, { originalUrl: req.url });
    req.url = `/${req.url ?? ""}`;
  }
  // Node has detached its handlers: without one, a reset here would be an uncaught error.
  socket.on("error", () => socket.destroy());
  socket.resume(); // whatever the client sends next is not read
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once("finish", () => socket.end(() => socket.destroy()));
  server.emit("request", req, res);
}

/** Node's own answers to requests it cannot parse, kept, but in the problem+json shape. */
const CLIENT_ERRORS: Record<string, { status: number; type: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    type: "urn:problem:headers-too-large",
    detail: `The request line and headers exceed ${MAX_HEADER_SIZE} bytes`,
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    type: "about:blank",
    detail: "Chunk extensions are too large",
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, type: "about:blank", detail: "The request was not received in time" },
};

/**
 * 'clientError': bytes Node cannot turn into a request (header overflow, bad syntax, a timeout,
 * anything after a request that said `Connection: close`). The rule: never answer for a request
 * that is already in the app's hands, because it may have done its work (a 400 written there
 * would tell a client its write failed while it was applied).
 *
 * - Nothing owed on the connection: answer in the one error shape with a fresh request id and
 *   close, as Node would, never echoing what was received; unless the bytes are the body of a
 *   request already answered, which gets no second answer.
 * - The last request received is complete, or its operation does not read its body: its answer
 *   (and any before it) is delivered, then the connection closes; the rest is not read (RFC 9112
 *   §9.6 for `Connection: close`).
 * - The error is in the body of the one request owed, which is waiting for that body: no handler
 *   ran, so that request is what failed: answered with the error, under its own id.
 * - Otherwise (its answer already started, or pipelined requests ahead of it): the connection
 *   is dropped; each request's outcome is in its access-log line.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
  logger: Logger,
  connections: Connections,
): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  // Already closing after its owed answers: the parser reports the same bytes again.
  if (connections.closingAfterOwed(socket)) return;
  const known = CLIENT_ERRORS[error.code ?? ""];
  const problem = new HttpError(known?.status ?? 400, {
    type: known?.type ?? "urn:problem:malformed-request",
    detail: known?.detail ?? "The request is not valid HTTP/1.1",
  });
  const owed = connections.owed(socket);
  const last = owed.at(-1);
  if (last === undefined) {
    const answered = connections.lastReceived(socket);
    if (answered && !answered.complete) {
      // The bytes are the rest of a request already answered (its operation read no body).
      logger.warn(
        { requestId: answered.id, code: error.code },
        "client error in the body of a request already answered: connection closed",
      );
      connections.closeAfterOwed(socket);
    } else {
      answerRaw(socket, problem, logger, error.code);
    }
    return;
  }
  const requestId = last.req.id;
  if (last.req.complete || !readsBody(last.req)) {
    if (connections.closeAfterOwed(socket)) {
      logger.warn(
        { requestId, code: error.code },
        "client error after a request received: answering it, then closing the connection",
      );
    }
    return;
  }
  if (owed.length === 1 && !last.headersSent) {
    logger.warn({ requestId, code: error.code, status: problem.status }, "client error in a request body");
    const instance = (last.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? last.req.url;
    last.shouldKeepAlive = false;
    last
      .writeHead(problem.status, { "Content-Type": PROBLEM_MEDIA_TYPE })
      .end(JSON.stringify(problem.toProblem(instance, requestId)));
    return;
  }
  logger.warn({ requestId, code: error.code }, "client error in a request body behind others: connection closed");
  socket.destroy();
}

/** Whether something (a body parser) reads the request's body: then its handler waits for it. */
const readsBody = (req: IncomingMessage) => req.listenerCount("data") > 0 || req.readableFlowing === true;

function answerRaw(socket: Socket, problem: HttpError, logger: Logger, code: string | undefined): void {
  const requestId = randomUUID();
  const body = JSON.stringify(problem.toProblem(undefined, requestId));
  const { status, title } = problem;
  logger.warn({ requestId, code, status }, "client error: request rejected before routing");
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\n` +
      `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
  // The client may still be sending (e.g. more oversized headers): give it a moment to read the
  // answer, then drop the connection.
  socket.setTimeout(1000, () => socket.destroy());
}
