import { createServer } from "node:http";

// The physical limit: node:http with a hand-written JSON answer and nothing else.
const body = JSON.stringify({ status: "ok" });
createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.argv[2]), "127.0.0.1", () => process.send?.("ready"));
