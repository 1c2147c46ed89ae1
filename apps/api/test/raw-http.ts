import { Agent, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, expect } from "vitest";
import { createHttpServer } from "../src/runtime/http-server.ts";
import type { TestApp } from "./support.ts";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  body: unknown;
}

export interface RawRequest {
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface Listening {
  url: string;
  port: number;
  /** The server itself, e.g. to count its open connections. */
  server: Server;
  /** Sends exactly this method and path: no URL normalisation (`..`, `%2e`, `\` reach the server as written). */
  send(method: string, path: string, options?: RawRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

const servers: Listening[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/**
 * The app behind the production HTTP server (src/runtime/http-server.ts: timeouts, header limit, clientError
 * answers) on a loopback port, and a keep-alive client that sends raw paths.
 */
export async function listen(
  { app, config, logger }: Pick<TestApp, "app" | "config" | "logger">,
  /** Sent with every request (a request's own headers win), e.g. an account's Authorization. */
  defaults: Record<string, string> = {},
): Promise<Listening> {
  const server = createHttpServer({ app, config, logger });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const send = (method: string, path: string, { headers: own = {}, body }: RawRequest = {}) =>
    new Promise<RawResponse>((resolve, reject) => {
      const headers = { ...defaults, ...own };
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method,
          path,
          agent,
          // Always framed: a body without Content-Length on a GET would be read as the next request.
          headers: body === undefined ? headers : { "content-length": String(Buffer.byteLength(body)), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              if (/json/.test(String(res.headers["content-type"]))) parsed = JSON.parse(text);
            } catch {
              // Not JSON after all (or a HEAD reply without a body): contractViolation reports it.
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const listening: Listening = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    send,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(listening);
  return listening;
}

/** Why a reply breaks the contract (a 5xx, or an error not in the problem+json shape), or undefined. */
export function contractViolation(res: RawResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status < 400) return undefined;
  if (!/^application\/problem\+json/.test(String(res.headers["content-type"]))) {
    return `status ${res.status} with content-type ${res.headers["content-type"]}`;
  }
  const problem = res.body as Record<string, unknown> | undefined;
  if (
    typeof problem?.type !== "string" ||
    typeof problem.title !== "string" ||
    problem.status !== res.status ||
    typeof problem.requestId !== "string" ||
    problem.requestId !== res.headers["x-request-id"]
  ) {
    return `status ${res.status} with a body not in the problem shape: ${res.text.slice(0, 300)}`;
  }
  return undefined;
}

export function expectContract(res: RawResponse, label: string) {
  expect(contractViolation(res), label).toBeUndefined();
}

/** One HTTP/1.1 response as it came off the wire. */
export interface WireReply {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  body: unknown;
}

export interface WireExchange {
  /** Every response the server sent, in order. */
  replies: WireReply[];
  /** Bytes after the last complete response (a torn reply), if any. */
  rest: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
}

export interface WireOptions {
  /** Half-close (send FIN) right after writing: "I am done sending", still reading. */
  halfClose?: boolean;
  /** Reset the connection (RST) this many ms after writing, without reading anything. */
  resetAfterMs?: number;
  /** Stop (close the connection) once this many complete replies arrived, e.g. on a keep-alive connection. */
  untilReplies?: number;
  /** Give up waiting for the server to close after this long (resolves with what arrived). */
  timeoutMs?: number;
}

/**
 * Writes exactly these bytes on a fresh loopback connection and collects what the server sends
 * until it closes the connection: what nc would show, parsed into responses.
 */
export function wire(port: number, data: string | Buffer, options: WireOptions = {}): Promise<WireExchange> {
  const { halfClose = false, resetAfterMs, untilReplies, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve({ ...parseReplies(Buffer.concat(chunks)), closedAfterMs: Math.round(performance.now() - started) });
    };
    socket.on("connect", () => {
      socket.write(data);
      if (halfClose) socket.end();
      if (resetAfterMs !== undefined) setTimeout(() => socket.resetAndDestroy(), resetAfterMs);
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (untilReplies !== undefined && parseReplies(Buffer.concat(chunks)).replies.length >= untilReplies) {
        socket.destroy();
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (!["ECONNRESET", "EPIPE"].includes(error.code ?? "")) reject(error);
    });
    socket.on("end", () => socket.end());
    socket.on("close", done);
    timer = setTimeout(() => {
      socket.destroy();
    }, timeoutMs);
  });
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length or chunked bodies). */
function parseReplies(bytes: Buffer): { replies: WireReply[]; rest: string } {
  const replies: WireReply[] = [];
  let offset = 0;
  for (;;) {
    const headEnd = bytes.indexOf("\r\n\r\n", offset);
    if (headEnd < 0) break;
    const [statusLine = "", ...lines] = bytes.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const status = Number(statusLine.split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let cursor = headEnd + 4;
    let body: Buffer;
    if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = bytes.indexOf("\r\n", cursor);
        if (sizeEnd < 0) return { replies, rest: bytes.subarray(offset).toString("utf8") };
        const size = Number.parseInt(bytes.subarray(cursor, sizeEnd).toString("latin1"), 16);
        cursor = sizeEnd + 2;
        if (size === 0) {
          cursor += 2;
          break;
        }
        parts.push(bytes.subarray(cursor, cursor + size));
        cursor += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (cursor + length > bytes.length) break;
      body = bytes.subarray(cursor, cursor + length);
      cursor += length;
    }
    const text = body.toString("utf8");
    let parsed: unknown;
    try {
      if (/json/.test(headers["content-type"] ?? "")) parsed = JSON.parse(text);
    } catch {
      // Not JSON after all: contractViolation reports it.
    }
    replies.push({ status, headers, text, body: parsed });
    offset = cursor;
  }
  return { replies, rest: bytes.subarray(offset).toString("utf8") };
}
