import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const PROBE = path.join(import.meta.dirname, "fixtures", "trace-probe.ts");

interface Span {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}
interface ProbeResult {
  spans: Span[];
  logs: Record<string, unknown>[];
}

const probe = async (traceId: string, requests: "compute" | "sign-up") => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@repo/source", PROBE, traceId, requests],
    { cwd: path.join(import.meta.dirname, "..") },
  );
  return JSON.parse(stdout) as ProbeResult;
};

describe("OpenTelemetry tracing", () => {
  // A child process: instrumentation patches modules as Node loads them, which Vitest's own
  // module runner bypasses, so the probe runs the app the way production does.
  it("records HTTP and Express spans continuing the caller's W3C trace, and tags log lines", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { spans, logs } = await probe(traceId, "compute");
    const names = spans.map((span) => span.name);
    const server = spans.find((span) => span.kind === 1 /* SERVER */);
    expect(server, names.join(", ")).toMatchObject({
      name: "GET /compute",
      traceId,
      attributes: { "http.route": "/compute", "http.response.status_code": 200 },
    });
    expect(names).toContain("request handler");
    // Every span of the app (not the test client's own) belongs to the caller's trace.
    expect(spans.filter((span) => span.kind !== 2 /* CLIENT */).every((span) => span.traceId === traceId)).toBe(true);
    const completed = logs.find((line) => line.msg === "request completed");
    expect(completed).toMatchObject({ trace_id: traceId, span_id: expect.any(String) });
  });

  it("records Prisma's spans under the request's HTTP span (sign-up: an INSERT on PGlite)", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const { spans } = await probe(traceId, "sign-up");
    const server = spans.find((span) => span.kind === 1 /* SERVER */);
    expect(server, spans.map((span) => span.name).join(", ")).toMatchObject({ name: "POST /api/v1/users", traceId });
    const prisma = spans.filter((span) => span.name.startsWith("prisma:"));
    expect(prisma.map((span) => span.name)).toEqual(expect.arrayContaining(["prisma:client:operation"]));
    expect(prisma.every((span) => span.traceId === traceId)).toBe(true);
    // Each Prisma operation hangs under a span of this request, up to the HTTP server span.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const root = (span: Span): Span => {
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      return parent ? root(parent) : span;
    };
    for (const span of prisma) expect(root(span).spanId).toBe(server?.spanId);
  }, 90_000); // a process that boots and migrates an in-memory PGlite
});
