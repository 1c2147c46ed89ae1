// The project's nginx config (nginx/templates/api.conf.template), rendered the way the image's
// entrypoint renders it, in a real nginx on loopback, with a DNS server of the test's own that
// answers for the api's name as Docker's embedded DNS or a headless Service would.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import dnsPacket from "dns-packet";
import { vi } from "vitest";
import { readRepoFile } from "./render.ts";

const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
export const HAS_NGINX = spawnSync(NGINX, ["-v"], { stdio: "ignore" }).status === 0;
/** Where replicas listen, one address each and all on one port, as containers or pods would. */
export const REPLICA_ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];

const canBind = async (host: string) =>
  new Promise<boolean>((resolve) => {
    const server = createNetServer();
    server.once("error", () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
export const HAS_LOOPBACK_RANGE = (await Promise.all(REPLICA_ADDRESSES.map(canBind))).every(Boolean);

/** Why these tests cannot run here, or undefined. */
export const SKIP_REASON = !HAS_NGINX
  ? `no nginx at ${NGINX} (apt-get install nginx, or set NGINX_BIN)`
  : !HAS_LOOPBACK_RANGE
    ? "cannot bind 127.0.0.2-4 (Linux routes all of 127/8 to loopback; macOS does not)"
    : undefined;

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A DNS server answering A records for one name with whatever `addresses` holds now (TTL 1 s). */
export async function startDns(name: string, addresses: () => string[]) {
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

/** The image's entrypoint substitutes only variables that are set: nginx's own $variables stay. */
export const renderTemplate = (template: string, values: Record<string, string>) =>
  template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => values[name] ?? whole);

export interface Nginx {
  port: number;
  accessLog(): string;
  stop(): Promise<void>;
}

/** nginx with the project's template, proxying to `upstream` (host:port) resolved through `resolverPort`. */
export async function startNginx({
  upstream,
  resolverPort,
}: {
  upstream: string;
  resolverPort: number;
}): Promise<Nginx> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "nginx-replicas-"));
  chmodSync(dir, 0o755); // workers (nobody, when started as root) read and write below it
  const conf = renderTemplate(readRepoFile("nginx/templates/api.conf.template"), {
    NGINX_LISTEN: `127.0.0.1:${port}`,
    API_UPSTREAM: upstream,
    NGINX_RESOLVER: `127.0.0.1:${resolverPort}`,
    NGINX_RESOLVER_VALID: "1s",
  });
  if (/\$\{[A-Z_]+\}/.test(conf)) throw new Error(`the template left a variable unset:\n${conf}`);
  // The container's /dev/stdout is a pipe; a child process's here is a socket nginx cannot open.
  writeFileSync(
    path.join(dir, "api.conf"),
    conf.replaceAll("/dev/stdout", path.join(dir, "access.log")).replaceAll("/dev/stderr", path.join(dir, "error.log")),
  );
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  writeFileSync(
    path.join(dir, "nginx.conf"),
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
     events { worker_connections 512; }
     http { ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join(" ")}
            include ${dir}/api.conf; }`,
  );
  const nginx: ChildProcess = spawn(
    NGINX,
    ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  nginx.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  nginx.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  // Nginx answers.
  await vi.waitFor(async () => {
    if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${output}`);
    if ((await send(port, "GET", "/nginx-health")).status !== 200) throw new Error("not yet");
  }, WAIT);
  return {
    port,
    accessLog: () => readFileSync(path.join(dir, "access.log"), "utf8"),
    async stop() {
      if (nginx.exitCode === null) {
        const exited = new Promise((resolve) => nginx.once("exit", resolve));
        nginx.kill("SIGQUIT");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One request on a fresh connection; a POST carries a JSON user. */
export function send(
  port: number,
  method: string,
  pathname: string,
  body = '{"email":"a@example.com","name":"A"}',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: pathname, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    if (method === "POST") {
      req.setHeader("content-type", "application/json");
      req.end(body);
    } else req.end();
  });
}

/** How long a test waits for something asynchronous to come true, and how often it looks. */
export const WAIT = { timeout: 10_000, interval: 100 };
