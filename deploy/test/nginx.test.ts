// The project's nginx config (nginx/templates/api.conf.template, rendered the way the image's
// entrypoint renders it) in a real nginx, in front of three replicas on 127.0.0.2-4 that share
// one port, found through a real DNS server of our own - as Docker's embedded DNS or a headless
// Service would answer for `docker compose up --scale api=3`. The replicas are small HTTP
// servers that can fail on purpose, so every case is deterministic.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import dnsPacket from "dns-packet";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readRepoFile } from "./render.ts";

const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const HAS_NGINX = spawnSync(NGINX, ["-v"], { stdio: "ignore" }).status === 0;
const REPLICA_ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
const canBind = async (host: string) =>
  new Promise<boolean>((resolve) => {
    const server = createNetServer();
    server.once("error", () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
const HAS_LOOPBACK_RANGE = (await Promise.all(REPLICA_ADDRESSES.map(canBind))).every(Boolean);
const SKIP = !HAS_NGINX || !HAS_LOOPBACK_RANGE;
if (SKIP) {
  console.warn(
    `SKIPPED nginx replica tests: ${HAS_NGINX ? "cannot bind 127.0.0.2-4 (Linux routes all of 127/8 to loopback; macOS does not)" : `no nginx at ${NGINX} (apt-get install nginx, or set NGINX_BIN)`}`,
  );
}

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

/** A DNS server answering A records for one name with whatever `addresses` holds now (TTL 1 s). */
async function startDns(name: string, addresses: () => string[]) {
  const socket = createSocket("udp4");
  socket.on("message", (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    const answers =
      question?.name === name && question.type === "A"
        ? addresses().map((data) => ({ type: "A" as const, name, ttl: 1, data }))
        : [];
    const reply = dnsPacket.encode({
      id: query.id,
      type: "response",
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: query.questions,
      answers,
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: (socket.address() as AddressInfo).port, close: () => socket.close() };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The image's entrypoint substitutes only variables that are set: nginx's own $variables stay. */
const renderTemplate = (template: string, values: Record<string, string>) =>
  template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => values[name] ?? whole);

function send(port: number, method: string, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: pathname, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    if (method === "POST") {
      req.setHeader("content-type", "application/json");
      req.end('{"email":"a@example.com","name":"A"}');
    } else req.end();
  });
}

async function eventually(what: string, attempt: () => Promise<void>, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${limitMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe.skipIf(SKIP)("nginx in front of several replicas (nginx/templates/api.conf.template)", () => {
  const NAME = "api.replicas.test";
  let replicas: Replica[];
  let inDns: string[];
  let nginxPort: number;
  let nginx: ChildProcess;
  let dns: Awaited<ReturnType<typeof startDns>>;
  let dir: string;
  let nginxLog = "";
  const accessLog = () => readFileSync(path.join(dir, "access.log"), "utf8");

  beforeAll(async () => {
    const apiPort = await freePort();
    replicas = REPLICA_ADDRESSES.map((host) => new Replica(host, apiPort));
    await Promise.all(replicas.map((replica) => replica.start()));
    inDns = [...REPLICA_ADDRESSES];
    dns = await startDns(NAME, () => inDns);
    nginxPort = await freePort();

    dir = mkdtempSync(path.join(tmpdir(), "nginx-replicas-"));
    chmodSync(dir, 0o755); // workers (nobody, when started as root) read and write below it
    const conf = renderTemplate(readRepoFile("nginx/templates/api.conf.template"), {
      NGINX_LISTEN: `127.0.0.1:${nginxPort}`,
      API_UPSTREAM: `${NAME}:${apiPort}`,
      NGINX_RESOLVER: `127.0.0.1:${dns.port}`,
      NGINX_RESOLVER_VALID: "1s",
    });
    expect(conf).not.toMatch(/\$\{[A-Z_]+\}/);
    // The container's /dev/stdout is a pipe; a child process's here is a socket nginx cannot open.
    writeFileSync(
      path.join(dir, "api.conf"),
      conf
        .replaceAll("/dev/stdout", path.join(dir, "access.log"))
        .replaceAll("/dev/stderr", path.join(dir, "error.log")),
    );
    const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
    writeFileSync(
      path.join(dir, "nginx.conf"),
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
       events { worker_connections 256; }
       http { ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join(" ")}
              include ${dir}/api.conf; }`,
    );
    nginx = spawn(NGINX, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    nginx.stdout?.on("data", (chunk) => {
      nginxLog += chunk;
    });
    nginx.stderr?.on("data", (chunk) => {
      nginxLog += chunk;
    });
    await eventually("nginx answers", async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${nginxLog}`);
      expect((await send(nginxPort, "GET", "/nginx-health")).status).toBe(200);
    });
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once("exit", resolve));
      nginx.kill("SIGQUIT");
      await exited;
    }
    dns?.close();
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
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
    await eventually("only the first replica is served", async () => {
      a.hits = {};
      b.hits = {};
      c.hits = {};
      await sendMany(10, "GET");
      expect(a.total("GET")).toBe(10);
    });
    inDns = [a.host, b.host]; // scale up
    await eventually("the new replica gets requests", async () => {
      await sendMany(10, "GET");
      expect(b.total("GET")).toBeGreaterThan(0);
    });
    expect(c.total("GET")).toBe(0);
  });

  it("logs every proxied request with the replicas it tried", async () => {
    const [, unavailable] = replicas as [Replica, Replica, Replica];
    unavailable.mode = "503";
    await sendMany(10, "GET");
    await eventually("access log lines", async () => {
      const lines = accessLog().split("\n");
      expect(lines.some((line) => /"upstream_addr":"127\.0\.0\.\d+:\d+, 127\.0\.0\.\d+:\d+/.test(line))).toBe(true);
    });
  });
});
