import { createLogger } from "@repo/logger";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics, type MetricsServer, serveMetrics } from "../src/observability/metrics.ts";
import { createService } from "../src/service.ts";
import { testConfig } from "./support.ts";

/** Never started: the routes used here never touch the database. */
function appWithMetrics() {
  const metrics = createMetrics();
  const { app } = createService(testConfig(), { logger: createLogger({ level: "silent" }), metrics });
  return { app, metrics };
}

/** Prometheus text exposition format: `# HELP`/`# TYPE` lines, and `name{labels} value` samples. */
function parsePrometheus(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") types.set(meta[2] as string, meta[3] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

let server: MetricsServer | undefined;
afterEach(() => server?.close());

describe("Prometheus metrics", () => {
  it("counts and times requests by route template and status, on a separate loopback listener", async () => {
    const { app, metrics } = appWithMetrics();
    await request(app).get("/compute?n=3").expect(200);
    await request(app).get("/compute?n=abc").expect(400);
    await request(app).get("/api/v1/health").expect(200);
    await request(app).get("/no/such/page/42").expect(404);

    server = await serveMetrics({ registry: metrics.registry, host: "127.0.0.1", port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const { samples, types } = parsePrometheus(await res.text());

    expect(types.get("http_requests_total")).toBe("counter");
    expect(types.get("http_request_duration_seconds")).toBe("histogram");
    const count = (route: string, status: string) =>
      samples.find(
        (s) => s.name === "http_requests_total" && s.labels.route === route && s.labels.status_code === status,
      )?.value;
    expect(count("/compute", "200")).toBe(1);
    expect(count("/compute", "400")).toBe(1);
    expect(count("/api/v1/health", "200")).toBe(1);
    expect(count("unmatched", "404")).toBe(1);
    expect(samples.some((s) => s.name === "http_request_duration_seconds_bucket" && s.labels.le === "+Inf")).toBe(true);
    // Process metrics from prom-client's default collectors.
    expect(samples.some((s) => s.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(samples.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);

    expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
  });

  it("labels a route's errors with its full template, and shares no registry between apps", async () => {
    const first = appWithMetrics();
    const second = appWithMetrics();
    await request(first.app).get("/api/v1/users/abc").expect(401);
    await request(first.app).put("/api/v1/users/7").send({}).expect(405);
    const text = await first.metrics.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/api/v1/users/:id",status_code="401"} 1');
    expect(text).toContain('http_requests_total{method="PUT",route="/api/v1/users/:id",status_code="405"} 1');
    expect(await second.metrics.registry.metrics()).not.toMatch(/http_requests_total\{/);
  });
});
