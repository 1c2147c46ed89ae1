import type { Eta } from "eta";
import { Router } from "express";
import type { ContextAccessor } from "../../http/context.ts";
import { onlyDeclaredMethods } from "../../http/method-not-allowed.ts";
import { validate } from "../../http/validate.ts";
import { computeQuery } from "./schemas.ts";
import { computeService } from "./service.ts";

export interface MainRoutesDeps {
  views: Eta;
  context: ContextAccessor;
  profile: string;
}

export function mainRoutes({ views, context, profile }: MainRoutesDeps): Router {
  const router = Router();
  const compute = computeService({ context });

  router
    .route("/")
    .get((req, res) => {
      res.type("html").send(views.render("index", { title: "Express starter", profile, requestId: req.id }));
    })
    .all(onlyDeclaredMethods);

  router
    .route("/ping")
    .get((_req, res) => {
      res.json({ pong: true });
    })
    .all(onlyDeclaredMethods);

  router
    .route("/compute")
    .get((req, res) => {
      const { query } = validate(req, { query: computeQuery });
      res.json(compute.fibonacci(query.n));
    })
    .all(onlyDeclaredMethods);

  return router;
}
