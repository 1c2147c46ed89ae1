import { ExtensionRegistry } from "@repo/extensions";
import { RedisStore } from "rate-limit-redis";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRedis, type Redis, type RedisLogger } from "../src/index.ts";
import { HAS_REDIS, REDIS_SERVER, RedisServer } from "../src/testing.ts";

const TIMEOUT_MS = 500;

if (!HAS_REDIS) {
  console.warn(`SKIPPED @repo/redis tests: no ${REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER_BIN)`);
}

/** Log calls, by level. */
function recordingLogger() {
  const lines: { level: "info" | "warn"; message: string; details: object }[] = [];
  const logger: RedisLogger = {
    info: (details, message) => lines.push({ level: "info", message, details }),
    warn: (details, message) => lines.push({ level: "warn", message, details }),
  };
  return { logger, lines };
}

const WAIT = { timeout: 10_000, interval: 50 };

describe.skipIf(!HAS_REDIS)("createRedis against a real redis-server", () => {
  let server: RedisServer;
  const opened: Redis[] = [];
  const open = (options: Partial<Parameters<typeof createRedis>[0]> = {}) => {
    const redis = createRedis({ url: server.url, connectTimeoutMs: TIMEOUT_MS, ...options });
    opened.push(redis);
    return redis;
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    return () => server.stop();
  });

  afterEach(async () => {
    server.resume();
    if (!server.running) await server.start();
    for (const redis of opened.splice(0)) await redis.stop();
  });

  it("is an extension: start connects, check PINGs, stop closes the connection", async () => {
    const redis = open();
    expect(redis.name).toBe("redis");
    await redis.start();
    await expect(redis.check()).resolves.toBeUndefined();
    await redis.client.set("greeting", "hello");
    await expect(redis.client.get("greeting")).resolves.toBe("hello");
    await expect(redis.sendCommand(["GET", "greeting"])).resolves.toBe("hello");
    await redis.stop();
    expect(redis.client.isOpen).toBe(false);
    await expect(redis.check()).rejects.toThrow();
  });

  it("check rejects while Redis is stopped, and passes again once it is back, without a restart of ours", async () => {
    const { logger, lines } = recordingLogger();
    const redis = open({ logger });
    await redis.start();
    await redis.check();

    await server.stop();
    // Check rejects while Redis is down.
    await vi.waitFor(async () => {
      await expect(redis.check()).rejects.toThrow();
    }, WAIT);
    // Not a queue that fills until Redis returns: commands are refused at once.
    await expect(redis.sendCommand(["GET", "x"])).rejects.toThrow();
    let reconnects = 0;
    redis.client.on("reconnecting", () => reconnects++);
    // Several reconnect attempts failed.
    await vi.waitFor(async () => {
      expect(reconnects).toBeGreaterThanOrEqual(3);
    }, WAIT);

    await server.start();
    // Check passes after the restart.
    await vi.waitFor(() => redis.check(), WAIT);
    await expect(redis.sendCommand(["PING"])).resolves.toBe("PONG");

    // One line for the outage however many reconnect attempts failed, one for its end.
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      "warn redis connection failed; reconnecting",
      "info redis connection restored",
    ]);
    expect(lines[1]?.details).toMatchObject({ redis: `127.0.0.1:${server.port}` });
    const { attempts } = (lines[1]?.details ?? {}) as { attempts?: number };
    expect(attempts).toBeGreaterThanOrEqual(3);
  });

  it("check rejects within the timeout when Redis accepts connections but never answers", async () => {
    const redis = open();
    await redis.start();
    server.pause();
    await expect(redis.check()).rejects.toThrow(`PING did not answer within ${TIMEOUT_MS} ms`);
    await expect(redis.sendCommand(["GET", "x"])).rejects.toThrow(`GET did not answer within ${TIMEOUT_MS} ms`);
    server.resume();
    // Check passes once Redis answers again.
    await vi.waitFor(() => redis.check(), WAIT);
  });

  it("start rejects within the timeout when nothing listens, and stops retrying", async () => {
    await server.stop();
    const { logger, lines } = recordingLogger();
    const redis = open({ logger });
    await expect(redis.start()).rejects.toThrow(`redis at 127.0.0.1:${server.port}: connect did not answer within`);
    expect(redis.client.isOpen).toBe(false);
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);
    await expect(redis.stop()).resolves.toBeUndefined();
  });

  it("stop does not hang while Redis is down", async () => {
    const redis = open();
    await redis.start();
    await server.stop();
    // The client notices.
    await vi.waitFor(async () => {
      await expect(redis.check()).rejects.toThrow();
    }, WAIT);
    await expect(redis.stop()).resolves.toBeUndefined();
    expect(redis.client.isOpen).toBe(false);
  });

  it("drives the registry's readiness: ready, then not ready while Redis is down", async () => {
    const redis = open();
    const registry = new ExtensionRegistry({ checkTimeoutMs: TIMEOUT_MS * 2 }).register(redis);
    await registry.start();
    expect((await registry.readiness()).ready).toBe(true);
    await server.stop();
    // Readiness turns false.
    await vi.waitFor(async () => {
      const readiness = await registry.readiness();
      expect(readiness.ready).toBe(false);
      expect(readiness.checks.redis?.status).toBe("error");
    }, WAIT);
    await registry.stop();
  });

  it("serves rate-limit-redis's RedisStore through sendCommand, also across a Redis restart", async () => {
    const redis = open();
    await redis.start();
    const store = new RedisStore({ sendCommand: (...args: string[]) => redis.sendCommand(args), prefix: "rl-test:" });
    await store.init({ windowMs: 60_000 } as Parameters<RedisStore["init"]>[0]);
    expect((await store.increment("10.0.0.1")).totalHits).toBe(1);
    expect((await store.increment("10.0.0.1")).totalHits).toBe(2);
    expect((await store.get("10.0.0.1"))?.totalHits).toBe(2);

    // A restarted Redis (no persistence) has lost the counters and the store's loaded Lua scripts:
    // the store reloads them on NOSCRIPT and counts from 1 again.
    await server.stop();
    await expect(store.increment("10.0.0.1")).rejects.toThrow();
    await server.start();
    // Redis is back.
    await vi.waitFor(() => redis.check(), WAIT);
    expect((await store.increment("10.0.0.1")).totalHits).toBe(1);
  });
});
