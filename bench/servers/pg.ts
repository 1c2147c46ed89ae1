import express from "express";
import pg from "pg";
import { USER_BY_ID_SQL } from "../src/shared.ts";

// The same read as GET /api/v1/users/:id, through plain pg in an equally bare handler.
const pool = new pg.Pool({ connectionString: process.argv[3], max: 10 });
const app = express();
app.get("/api/v1/users/:id", async (req, res) => {
  const { rows } = await pool.query(USER_BY_ID_SQL, [Number(req.params.id)]);
  if (rows.length === 0) res.status(404).end();
  else res.json(rows[0]);
});
app.listen(Number(process.argv[2]), "127.0.0.1", () => process.send?.("ready"));
