import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on host:port (0 = any free port); resolves with the server's URL, rejects on e.g. EADDRINUSE. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
}
