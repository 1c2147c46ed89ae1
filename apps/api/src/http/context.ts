import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "@repo/logger";
import type { RequestHandler } from "express";
import type { Principal } from "./auth.ts";

/** What code deep inside a request may need without being handed `req`. */
export interface RequestContext {
  requestId: string;
  /** Bound to the request id, and to the user's id once the request is authenticated. */
  log: Logger;
  /** Who sent the request, once authenticated (src/http/auth.ts). */
  principal?: Principal;
}

export interface ContextAccessor {
  /** The current request's context; throws when called outside a request. */
  get(): RequestContext;
  /** The current request's context, or undefined outside a request (for process-level handlers). */
  find(): RequestContext | undefined;
}

export type RequestContextStore = ContextAccessor & { middleware: RequestHandler };

/**
 * One AsyncLocalStorage per app (never a module global), so apps built side by side
 * cannot see each other's requests.
 */
export function createRequestContext(): RequestContextStore {
  const storage = new AsyncLocalStorage<RequestContext>();
  return {
    middleware: (req, _res, next) => storage.run({ requestId: String(req.id), log: req.log }, next),
    find: () => storage.getStore(),
    get() {
      const context = storage.getStore();
      if (!context) {
        throw new Error(
          "getRequestContext() was called outside of a request: only code running inside an HTTP request handler has a request context",
        );
      }
      return context;
    },
  };
}
