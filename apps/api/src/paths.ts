// The service's public addresses, named once: the app mounts them, and the tracing filter, the
// Docker healthcheck and the Kubernetes probes read them from here (or are tested against them).

/** Every JSON resource lives under this base: one router with the API's headers and policies. */
export const API_BASE = "/api/v1";

/** What orchestrators poll. Liveness never touches a dependency; readiness asks every extension. */
export const PROBES = {
  liveness: `${API_BASE}/health`,
  readiness: `${API_BASE}/ready`,
} as const;
