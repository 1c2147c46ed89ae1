import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
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
