import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";

// Test support (`@repo/redis/testing`): a real redis-server of the test's own.
// biome-ignore lint/style/noProcessEnv: a test helper letting the run name another redis-server binary
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";
export const HAS_REDIS = existsSync(REDIS_SERVER);

/** A free loopback port (bound once, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server of our own on 127.0.0.1: no persistence, stoppable and restartable on its port. */
export class RedisServer {
  readonly port: number;
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get running(): boolean {
    return this.#process !== undefined && this.#process.exitCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`redis-server on port ${this.port} is running already`);
    const child = spawn(
      REDIS_SERVER,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#process = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes("Ready to accept connections")) resolve();
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        this.#process = undefined;
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
      });
    });
  }

  /** SIGTERM and wait for the exit: the port is closed afterwards. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  /** SIGSTOP / SIGCONT: the port stays open but nothing answers (a hung server or a black-holed network). */
  pause(): void {
    this.#process?.kill("SIGSTOP");
  }
  resume(): void {
    this.#process?.kill("SIGCONT");
  }
}
