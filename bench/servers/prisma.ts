import { createDb } from "@repo/db";
import express from "express";

// The same read as GET /api/v1/users/:id through the app's Prisma client, in a handler as bare as
// the raw pg one (servers/pg.ts), so the ratio isolates the ORM.
const db = createDb({ url: process.argv[3], poolMax: 10, timeoutMs: 5000, errorFormat: "minimal" });
await db.start();
const app = express();
app.get("/api/v1/users/:id", async (req, res) => {
  const user = await db.client.user.findUnique({ where: { id: Number(req.params.id) } });
  if (!user) res.status(404).end();
  else res.json(user);
});
app.listen(Number(process.argv[2]), "127.0.0.1", () => process.send?.("ready"));
