import { context, propagation } from "@opentelemetry/api";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";

export interface HttpClientOptions {
  /** Every request path is resolved against it, e.g. `http://billing:8080/api/v1/`. */
  baseUrl: string;
  /** Per attempt, connect to the end of the response headers (default 5000). */
  timeoutMs?: number;
  /** Attempts after the first for idempotent requests (default 2; 0 = never retry). */
  retries?: number;
  /** Exponential backoff with jitter between attempts. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Open the circuit after this many consecutive failures (default 5)… */
  breakerThreshold?: number;
  /** …and let one trial request through after this long (default 10000). */
  breakerHalfOpenAfterMs?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The current request id, propagated as `X-Request-ID` (e.g. from the request context). */
  requestId?: () => string | undefined;
  /** For tests; default: the global fetch (undici). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  /** JSON-encoded unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Retry a non-idempotent method anyway (e.g. a POST carrying an idempotency key). */
  idempotent?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type FailureKind = "timeout" | "network" | "status" | "circuit-open" | "aborted";

/** The request failed after every allowed attempt; `kind` says how. 4xx responses are not failures. */
export class HttpClientError extends Error {
  override name = "HttpClientError";
  readonly kind: FailureKind;
  readonly method: string;
  readonly url: string;
  /** The last response status, for kind "status" (5xx or 429). */
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(
    kind: FailureKind,
    init: { method: string; url: string; attempts: number; status?: number; cause?: unknown },
  ) {
    const what = kind === "status" ? `status ${init.status}` : kind;
    super(`${init.method} ${init.url} failed (${what}) after ${init.attempts} attempt(s)`, { cause: init.cause });
    this.kind = kind;
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.attempts = init.attempts;
  }
}

/** Thrown inside the policies for a response the server failed (5xx, 429): retried and counted by the breaker. */
class FailedResponse extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`status ${status}`);
    this.status = status;
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const isFailedStatus = (status: number) => status >= 500 || status === 429;

export interface HttpClient {
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  get(path: string, options?: RequestOptions): Promise<Response>;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  put(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  patch(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  delete(path: string, options?: RequestOptions): Promise<Response>;
  /** "closed" (normal), "open" (failing fast), "half-open" (trying one request). */
  readonly circuit: "closed" | "open" | "half-open" | "isolated";
}

/**
 * A client for one upstream service: per-attempt timeout, retries with exponential backoff for
 * idempotent requests only, a circuit breaker shared by every request of this client, and the
 * caller's `X-Request-ID` and W3C trace context (`traceparent`, when tracing is on) propagated.
 * Resolves with the Response for 1xx–4xx (4xx except 429 are the caller's to handle); throws
 * HttpClientError for timeouts, network errors, 5xx/429 and an open circuit.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const {
    baseUrl,
    timeoutMs = 5000,
    retries = 2,
    backoff = {},
    breakerThreshold = 5,
    breakerHalfOpenAfterMs = 10_000,
    headers: defaultHeaders = {},
    requestId,
    fetch: fetchImpl = globalThis.fetch,
  } = options;

  const breaker = circuitBreaker(
    handleWhen((error) => !(error instanceof DOMException && error.name === "AbortError")),
    { halfOpenAfter: breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(breakerThreshold) },
  );
  const retryPolicy = retry(
    handleWhen(
      (error) => !isBrokenCircuitError(error) && !(error instanceof DOMException && error.name === "AbortError"),
    ),
    {
      maxAttempts: retries,
      backoff: new ExponentialBackoff({
        initialDelay: backoff.initialDelayMs ?? 100,
        maxDelay: backoff.maxDelayMs ?? 2000,
      }),
    },
  );

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const upper = method.toUpperCase();
    const url = new URL(path.replace(/^\//, ""), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json", ...defaultHeaders, ...opts.headers };
    const id = requestId?.();
    if (id) headers["x-request-id"] = id;
    propagation.inject(context.active(), headers); // no-op unless tracing is on
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }

    const perAttempt = timeout(opts.timeoutMs ?? timeoutMs, TimeoutStrategy.Aggressive);
    const attempt = wrap(breaker, perAttempt);
    const policy = opts.idempotent || IDEMPOTENT.has(upper) ? wrap(retryPolicy, attempt) : attempt;
    let attempts = 0;
    try {
      return await policy.execute(async ({ signal }) => {
        attempts++;
        // cockatiel aborts `signal` when the attempt settles, which would also cut the body
        // stream: follow it only until the response headers are in.
        const attemptController = new AbortController();
        const follow = () => attemptController.abort(signal.reason);
        signal.addEventListener("abort", follow, { once: true });
        let response: Response;
        try {
          response = await fetchImpl(url, {
            method: upper,
            headers,
            body,
            signal: opts.signal ? AbortSignal.any([attemptController.signal, opts.signal]) : attemptController.signal,
          });
        } finally {
          signal.removeEventListener("abort", follow);
        }
        if (isFailedStatus(response.status)) {
          await response.body?.cancel();
          throw new FailedResponse(response.status);
        }
        return response;
      }, opts.signal);
    } catch (error) {
      const init = { method: upper, url: url.href, attempts, cause: error };
      if (error instanceof BrokenCircuitError) throw new HttpClientError("circuit-open", init);
      if (error instanceof TaskCancelledError) {
        throw new HttpClientError(opts.signal?.aborted ? "aborted" : "timeout", init);
      }
      if (error instanceof FailedResponse) throw new HttpClientError("status", { ...init, status: error.status });
      if (opts.signal?.aborted) throw new HttpClientError("aborted", init);
      throw new HttpClientError("network", init);
    }
  }

  return {
    request,
    get: (path, opts) => request("GET", path, opts),
    post: (path, body, opts) => request("POST", path, { ...opts, body }),
    put: (path, body, opts) => request("PUT", path, { ...opts, body }),
    patch: (path, body, opts) => request("PATCH", path, { ...opts, body }),
    delete: (path, opts) => request("DELETE", path, opts),
    get circuit() {
      return CIRCUIT_STATES[breaker.state];
    },
  };
}

const CIRCUIT_STATES = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
} as const;
