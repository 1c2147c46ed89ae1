import { STATUS_CODES } from "node:http";
import type { Problem, ValidationIssue } from "./problem.ts";

export interface HttpErrorOptions {
  /** A URI naming the kind of problem; "about:blank" means "see the status code". */
  type?: string;
  title?: string;
  detail?: string;
  /** Extra members of the problem body, e.g. the list of validation errors. */
  extensions?: Record<string, unknown>;
  /** Response headers, e.g. Allow for 405. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that knows its HTTP answer. Only the error handler turns it into a response. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: number, options: HttpErrorOptions = {}) {
    const title = options.title ?? STATUS_CODES[status] ?? "Error";
    super(options.detail ?? title, { cause: options.cause });
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.title = title;
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** `instance` is the request's URL; undefined when Node rejected the request before parsing it. */
  toProblem(instance: string | undefined, requestId: string): Problem {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      requestId,
      ...this.extensions,
    };
  }
}

export const badRequest = (detail: string, type = "about:blank") => new HttpError(400, { detail, type });

export const validationFailed = (issues: ValidationIssue[]) =>
  new HttpError(400, {
    type: "urn:problem:validation-error",
    title: "Validation failed",
    detail: `${issues.length} invalid value${issues.length === 1 ? "" : "s"} in the request`,
    extensions: { errors: issues },
  });

export const notFound = (detail: string) => new HttpError(404, { detail });

export const conflict = (detail: string) => new HttpError(409, { type: "urn:problem:conflict", detail });

export const methodNotAllowed = (method: string, allow: string[]) =>
  new HttpError(405, { detail: `${method} is not allowed here`, headers: { Allow: allow.join(", ") } });

export const unsupportedMediaType = (detail: string) => new HttpError(415, { detail });

export const serviceUnavailable = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpError(503, { detail, ...(extensions ? { extensions } : {}) });
