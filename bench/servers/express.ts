import express from "express";

// What most starters ship: bare Express 5 and res.json, defaults untouched.
const app = express();
app.get("/api/v1/health", (_req, res) => {
  res.json({ status: "ok" });
});
app.listen(Number(process.argv[2]), "127.0.0.1", () => process.send?.("ready"));
