import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const PROBE = path.join(import.meta.dirname, "fixtures", "trace-probe.ts");

interface ProbeResult {
  spans: { name: string; kind: number; traceId: string; attributes: Record<string, unknown> }[];
  logs: Record<string, unknown>[];
}

describe("OpenTelemetry tracing", () => {
  // A child process: instrumentation patches modules as Node loads them, which Vitest's own
  // module runner bypasses, so the probe runs the app the way production does.
  it("records HTTP and Express spans continuing the caller's W3C trace, and tags log lines", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=@repo/source", PROBE, traceId], {
      cwd: path.join(import.meta.dirname, ".."),
    });
    const { spans, logs } = JSON.parse(stdout) as ProbeResult;
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
});
