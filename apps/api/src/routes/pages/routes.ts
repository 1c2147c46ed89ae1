import type { Profile } from "@repo/config";
import type { Eta } from "eta";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";

/** Server-rendered pages (eta templates in views/, a layout and a page). */
export function pagesRoutes({ views, profile }: { views: Eta; profile: Profile }): RouteModule {
  return defineRoutes({}, [
    op.get("/", {
      operationId: "home",
      summary: "The landing page",
      hidden: true,
      responses: { 200: { description: "HTML" } },
      handler: (_input, { req, res }) => {
        res.type("html").send(views.render("index", { title: "Express starter", profile, requestId: req.id }));
        return undefined;
      },
    }),
  ]);
}
