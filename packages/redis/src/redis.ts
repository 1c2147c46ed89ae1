import { createClient } from "@redis/client";
import type { Extension } from "@repo/extensions";

/** The client itself, for commands the extension does not wrap. */
export type RedisClient = ReturnType<typeof newClient>;

/** The few logger methods the extension uses; a pino logger fits. */
export interface RedisLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RedisOptions {
  /** redis:// or rediss:// (TLS) URL; credentials and database number go in it. */
  url: string;
  /** Bounds connecting (on start and every reconnect), the readiness PING and `sendCommand`. */
  connectTimeoutMs: number;
  logger?: RedisLogger;
}

/** Redis as an extension of the app's lifecycle: `client` is usable once `start()` resolved. */
export interface Redis extends Extension {
  readonly name: "redis";
  readonly client: RedisClient;
  /** Connects; rejects (and gives up) when Redis does not answer within `connectTimeoutMs`. */
  start(): Promise<void>;
  /** `PING`, rejecting within `connectTimeoutMs`; rejects at once while the connection is down. */
  check(): Promise<void>;
  /** Waits for pending replies (bounded by `connectTimeoutMs`), then closes the connection. */
  stop(): Promise<void>;
  /**
   * One raw command, rejected within `connectTimeoutMs` and at once while disconnected: the shape
   * rate-limit-redis expects, `new RedisStore({ sendCommand: (...args) => redis.sendCommand(args) })`.
   */
  sendCommand<T = unknown>(args: string[]): Promise<T>;
}

/** Delay before reconnect attempt `retries` (0-based): 50 ms doubling to 2 s, plus up to 100 ms of jitter. */
const reconnectDelay = (retries: number) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100);

export function createRedis({ url, connectTimeoutMs, logger }: RedisOptions): Redis {
  const where = describe(url);
  const client = newClient(url, connectTimeoutMs);

  // node-redis emits "error" on every failed attempt while it reconnects (and an EventEmitter
  // without a listener would crash the process). Log the first one of an outage and its end.
  let down: { since: number; attempts: number } | undefined;
  client.on("error", (error: Error) => {
    if (down) {
      down.attempts++;
      return;
    }
    down = { since: Date.now(), attempts: 1 };
    logger?.warn({ err: error, redis: where }, "redis connection failed; reconnecting");
  });
  client.on("ready", () => {
    if (!down) return;
    logger?.info(
      { redis: where, downMs: Date.now() - down.since, attempts: down.attempts },
      "redis connection restored",
    );
    down = undefined;
  });

  const bounded = <T>(what: string, promise: Promise<T>) =>
    withTimeout(
      promise,
      connectTimeoutMs,
      () => new Error(`redis at ${where}: ${what} did not answer within ${connectTimeoutMs} ms`),
    );

  return {
    name: "redis",
    client,
    async start() {
      try {
        // node-redis retries a failed first connection forever; give up at the bound instead.
        await bounded("connect", client.connect());
      } catch (error) {
        client.destroy();
        throw error;
      }
      down = undefined;
    },
    async check() {
      await bounded("PING", client.ping());
    },
    async stop() {
      if (!client.isOpen) return;
      if (!client.isReady) {
        client.destroy();
        return;
      }
      try {
        await bounded("close", client.close());
      } catch {
        client.destroy();
      }
    },
    sendCommand: <T>(args: string[]) => bounded(args[0] ?? "command", client.sendCommand<T>(args)),
  };
}

function newClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    // Commands fail at once while disconnected instead of queueing in memory until Redis returns:
    // a readiness check or a rate-limit lookup must answer now, not after the outage.
    disableOfflineQueue: true,
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: reconnectDelay },
  });
}

/** host:port of a Redis URL, never its password. */
function describe(url: string): string {
  try {
    const { hostname, port } = new URL(url);
    return `${hostname}:${port || "6379"}`;
  } catch {
    return "(invalid url)";
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
