import { describe, expect, it } from "vitest";
import { type Extension, ExtensionRegistry, ExtensionStartError } from "../src/index.ts";

/** A test double of the extension contract that records what happens to it. */
function fake(
  name: string,
  events: string[],
  behaviour: Partial<Record<"start" | "check" | "stop", () => Promise<void>>> = {},
) {
  const step = (kind: "start" | "check" | "stop") => async () => {
    events.push(`${kind}:${name}`);
    await behaviour[kind]?.();
  };
  return { name, start: step("start"), check: step("check"), stop: step("stop") } satisfies Extension;
}

const fail = (message: string) => async () => {
  throw new Error(message);
};
const hang = () => new Promise<void>(() => {});

describe("ExtensionRegistry", () => {
  it("starts in order and stops in reverse order", async () => {
    const events: string[] = [];
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 }).register(fake("db", events), fake("cache", events));
    await registry.start();
    await registry.stop();
    expect(events).toEqual(["start:db", "start:cache", "stop:cache", "stop:db"]);
    expect(registry.state).toBe("stopped");
  });

  it("refuses duplicate names", () => {
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 }).register(fake("db", []));
    expect(() => registry.register(fake("db", []))).toThrow('extension "db" is already registered');
  });

  it("keeps stopping the others when one stop() fails, and reports it", async () => {
    const events: string[] = [];
    const errors: string[] = [];
    const registry = new ExtensionRegistry({
      checkTimeoutMs: 100,
      onStopError: (name, error) => errors.push(`${name}: ${(error as Error).message}`),
    }).register(fake("a", events), fake("b", events, { stop: fail("boom") }), fake("c", events));
    await registry.start();
    await registry.stop();
    expect(events.slice(3)).toEqual(["stop:c", "stop:b", "stop:a"]);
    expect(errors).toEqual(["b: boom"]);
  });

  it("stops what already started when a start() fails", async () => {
    const events: string[] = [];
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 }).register(
      fake("a", events),
      fake("b", events, { start: fail("no route to db") }),
      fake("c", events),
    );
    const error = await registry.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtensionStartError);
    expect(error).toMatchObject({ extension: "b", message: 'extension "b" failed to start: no route to db' });
    expect((error as Error).cause).toMatchObject({ message: "no route to db" });
    expect(events).toEqual(["start:a", "start:b", "stop:a"]);
  });

  it("is ready only when every check passes", async () => {
    let healthy = true;
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 }).register(
      fake("db", [], {
        check: async () => {
          if (!healthy) throw new Error("connection refused");
        },
      }),
    );
    expect((await registry.readiness()).ready).toBe(false);
    await registry.start();
    expect(await registry.readiness()).toMatchObject({ ready: true, checks: { db: { status: "ok" } } });
    healthy = false;
    expect(await registry.readiness()).toMatchObject({
      ready: false,
      checks: { db: { status: "error", error: "connection refused" } },
      failed: { db: "connection refused" },
    });
    healthy = true;
    expect((await registry.readiness()).ready).toBe(true);
  });

  it("fails a check that exceeds the timeout", async () => {
    const registry = new ExtensionRegistry({ checkTimeoutMs: 30 }).register(fake("slow", [], { check: hang }));
    await registry.start();
    const started = performance.now();
    const readiness = await registry.readiness();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(readiness.checks.slow).toMatchObject({ status: "error", error: "timed out after 30 ms" });
  });

  it("turns not ready as soon as shutdown begins", async () => {
    const registry = new ExtensionRegistry({ checkTimeoutMs: 100 }).register(fake("db", []));
    await registry.start();
    registry.beginShutdown();
    expect(await registry.readiness()).toMatchObject({ ready: false, checks: { db: { status: "ok" } } });
  });
});
