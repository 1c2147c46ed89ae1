// The project's nginx config (nginx/templates/api.conf.template, rendered the way the image's
// entrypoint renders it) in a real nginx, in front of three replicas on 127.0.0.2-4 that share
// one port, found through a real DNS server of our own - as Docker's embedded DNS or a headless
// Service would answer for `docker compose up --scale api=3`. The replicas are small HTTP
// servers that can fail on purpose, so every case is deterministic.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  freePort,
  type Nginx,
  REPLICA_ADDRESSES,
  SKIP_REASON,
  send,
  startDns,
  startNginx,
  WAIT,
} from "./nginx-harness.ts";

if (SKIP_REASON) console.warn(`SKIPPED nginx replica tests: ${SKIP_REASON}`);

type Mode = "ok" | "503" | "reset";

/** One api replica: answers with its name, or fails the way we ask; counts what reached it. */
class Replica {
  mode: Mode = "ok";
  hits: Record<string, number> = {};
  #server: Server | undefined;
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  async start() {
    if (this.#server) return;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on("end", () => {
        const method = req.method ?? "?";
        this.hits[method] = (this.hits[method] ?? 0) + 1;
        if (this.mode === "reset") return req.socket.destroy(); // dies mid-request, after reading it
        res.writeHead(this.mode === "503" ? 503 : method === "POST" ? 201 : 200, {
          "content-type": "application/json",
        });
        res.end(JSON.stringify({ replica: this.host }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, resolve);
    });
    this.#server = server;
  }

  async stop() {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  total = (method: string) => this.hits[method] ?? 0;
}

describe.skipIf(SKIP_REASON !== undefined)(
  "nginx in front of several replicas (nginx/templates/api.conf.template)",
  () => {
    const NAME = "api.replicas.test";
    let replicas: Replica[];
    let inDns: string[];
    let nginx: Nginx;
    let nginxPort: number;
    let dns: Awaited<ReturnType<typeof startDns>>;

    beforeAll(async () => {
      const apiPort = await freePort();
      replicas = REPLICA_ADDRESSES.map((host) => new Replica(host, apiPort));
      await Promise.all(replicas.map((replica) => replica.start()));
      inDns = [...REPLICA_ADDRESSES];
      dns = await startDns(NAME, () => inDns);
      nginx = await startNginx({ upstream: `${NAME}:${apiPort}`, resolverPort: dns.port });
      nginxPort = nginx.port;
    });

    afterAll(async () => {
      await nginx?.stop();
      dns?.close();
      await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    });

    beforeEach(async () => {
      for (const replica of replicas) {
        replica.mode = "ok";
        replica.hits = {};
      }
      inDns = [...REPLICA_ADDRESSES];
      await Promise.all(replicas.map((replica) => replica.start())); // restarts one a test stopped
    });

    const sendMany = async (count: number, method: string, pathname = "/api/v1/users") => {
      const results: { status: number; body: string }[] = [];
      for (let i = 0; i < count; i++) results.push(await send(nginxPort, method, pathname));
      return results;
    };
    const statuses = (results: { status: number }[]) => [...new Set(results.map((r) => r.status))].sort();
    const totalHits = (method: string) => replicas.reduce((sum, replica) => sum + replica.total(method), 0);

    it("balances over every address the name resolves to", async () => {
      const results = await sendMany(60, "GET");
      expect(statuses(results)).toEqual([200]);
      // the resolver rotates the addresses per request: 60 requests reach all three replicas
      for (const replica of replicas) expect(replica.total("GET"), replica.host).toBeGreaterThan(0);
      expect(totalHits("GET")).toBe(60);
    });

    it("retries a GET on the next replica when one answers 503 or dies mid-request; never a POST that was sent", async () => {
      const [, unavailable, dying] = replicas as [Replica, Replica, Replica];
      unavailable.mode = "503";
      dying.mode = "reset";
      const gets = await sendMany(30, "GET");
      expect(statuses(gets)).toEqual([200]);
      expect(gets.every((r) => JSON.parse(r.body).replica === REPLICA_ADDRESSES[0])).toBe(true);
      expect(totalHits("GET")).toBeGreaterThan(30); // some were retried...
      expect(unavailable.total("GET") + dying.total("GET")).toBeGreaterThan(0);

      const posts = await sendMany(30, "POST");
      // ...but every POST reached exactly one replica: the failed ones failed, none ran twice
      expect(totalHits("POST")).toBe(30);
      expect(posts.filter((r) => r.status === 201)).toHaveLength(replicas[0]?.total("POST") ?? -1);
      expect(posts.filter((r) => r.status === 503)).toHaveLength(unavailable.total("POST"));
      expect(posts.filter((r) => r.status === 502)).toHaveLength(dying.total("POST"));
      expect(unavailable.total("POST") + dying.total("POST")).toBeGreaterThan(0);
    });

    it("sends every request, POSTs too, to a live replica when one refuses connections (nothing was sent to it)", async () => {
      await replicas[2]?.stop(); // still in DNS: a crashed container or a pod not yet removed from the endpoints
      const results = [...(await sendMany(20, "GET")), ...(await sendMany(20, "POST"))];
      expect(statuses(results)).toEqual([200, 201]);
      expect(totalHits("GET")).toBe(20);
      expect(totalHits("POST")).toBe(20);
    });

    it("re-resolves the name: a replica added to DNS gets traffic, one removed gets none", async () => {
      const [a, b, c] = replicas as [Replica, Replica, Replica];
      inDns = [a.host];
      // Only the first replica is served.
      await vi.waitFor(async () => {
        a.hits = {};
        b.hits = {};
        c.hits = {};
        await sendMany(10, "GET");
        expect(a.total("GET")).toBe(10);
      }, WAIT);
      inDns = [a.host, b.host]; // scale up
      // The new replica gets requests.
      await vi.waitFor(async () => {
        await sendMany(10, "GET");
        expect(b.total("GET")).toBeGreaterThan(0);
      }, WAIT);
      expect(c.total("GET")).toBe(0);
    });

    it("logs every proxied request with the replicas it tried", async () => {
      const [, unavailable] = replicas as [Replica, Replica, Replica];
      unavailable.mode = "503";
      await sendMany(10, "GET");
      // The 503 and its retry are both in the access log line.
      await vi.waitFor(async () => {
        const lines = nginx.accessLog().split("\n");
        expect(lines.some((line) => /"upstream_addr":"127\.0\.0\.\d+:\d+, 127\.0\.0\.\d+:\d+/.test(line))).toBe(true);
      }, WAIT);
    });
  },
);
