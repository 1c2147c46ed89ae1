// Container healthcheck: GET the API's liveness probe on this container's own listener.
// Plain node (global fetch): the runtime image has no curl, wget or shell.
// Exit 0 = healthy, 1 = unhealthy (Docker's contract).
// The probe's path is the app's own (apps/api/src/paths.ts, bundled to /app/bundle/paths.js).
const { PROBES } = await import(new URL("../bundle/paths.js", import.meta.url).href);
// biome-ignore lint/style/noProcessEnv: a standalone probe reading the container's own HOST/PORT
const env = process.env;
const host = env.HOST ?? "0.0.0.0";
const port = env.PORT ?? "3000";
// A wildcard listener is reached through loopback; a specific address is used as is.
const target = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
const url = `http://${target.includes(":") ? `[${target}]` : target}:${port}${PROBES.liveness}`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500), headers: { "x-request-id": "healthcheck" } });
  process.exit(res.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`healthcheck ${url}: ${error?.cause?.code ?? error?.message ?? error}\n`);
  process.exit(1);
}
