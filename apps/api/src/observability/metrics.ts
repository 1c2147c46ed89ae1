import { createServer, type Server } from "node:http";
import type { RequestHandler } from "express";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { listen } from "../runtime/listen.ts";

export interface Metrics {
  /** This app's registry: never prom-client's global one, so apps (and tests) share no state. */
  registry: Registry;
  /** Counts and times every request by method, route template and status. Mount it first. */
  middleware: RequestHandler;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC, handles). */
  processMetrics?: boolean;
}

/** Requests that matched no route are grouped under one label, so paths cannot explode the cardinality. */
const UNMATCHED_ROUTE = "unmatched";

/** Prometheus metrics with prom-client: a registry per app. */
export function createMetrics({ processMetrics = true }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ["method", "route", "status_code"] as const;
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests, by method, route template and status code",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to the end of the response, by method, route template and status code",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once("finish", () => {
      // The full template (`/api/v1/users/:id`), set by the operation's route (src/http/operation.ts).
      const route = typeof res.locals.route === "string" ? res.locals.route : UNMATCHED_ROUTE;
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
  return { registry, middleware };
}

export interface MetricsServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on its own listener (METRICS_HOST:METRICS_PORT, loopback by default): the
 * public port never exposes it, and scrapes skip the app's middleware and rate limit.
 */
export async function serveMetrics({
  registry,
  host,
  port,
}: {
  registry: Registry;
  host: string;
  port: number;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
    );
  });
  const url = `${await listen(server, port, host)}/metrics`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, url, close };
}
