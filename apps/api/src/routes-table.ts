import type { Express } from "express";

export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every route of an app with its methods, like `flask routes`, read from Express's router. */
export function listRoutes(app: Express): RouteEntry[] {
  const entries: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const fullPath = joinPaths(prefix, layer.route.path);
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== "_all") entries.push({ method: method.toUpperCase(), path: fullPath });
        }
      } else if (layer.handle.stack && typeof layer.rawPath === "string") {
        walk(layer.handle.stack, joinPaths(prefix, layer.rawPath));
      }
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack, "");
  return entries;
}

/** Each route object of an app (what Express puts on `req.route`) → its full path template. */
export function routeTemplates(app: Express): WeakMap<object, string> {
  const templates = new WeakMap<object, string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) templates.set(layer.route, joinPaths(prefix, layer.route.path));
      else if (layer.handle.stack && typeof layer.rawPath === "string") {
        walk(layer.handle.stack, joinPaths(prefix, layer.rawPath));
      }
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack, "");
  return templates;
}

const joinPaths = (a: string, b: string) => `/${[a, b].join("/").split("/").filter(Boolean).join("/")}`;
