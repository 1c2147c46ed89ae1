import { z } from "zod";

/** The media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** One entry of a validation problem's `errors`: where the bad value is and what is wrong with it. */
export const validationIssueSchema = z.object({
  location: z.enum(["params", "query", "body"]).meta({ description: "the part of the request that holds the value" }),
  path: z.array(z.union([z.string(), z.int()])).meta({ description: "the value's path inside that part" }),
  message: z.string(),
  code: z.string().meta({ description: "zod's issue code, e.g. too_big, invalid_type, unrecognized_keys" }),
});

/**
 * The body of every error response: RFC 9457 problem details plus the request id. This schema is
 * the one definition: the TypeScript type below and the OpenAPI `Problem` component come from it.
 */
export const problemSchema = z
  .looseObject({
    type: z.string().meta({ description: "a URI naming the kind of problem; about:blank means see the status" }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: "the request's path and query" }),
    requestId: z.string().meta({ description: "the X-Request-ID of the response" }),
    errors: z
      .array(validationIssueSchema)
      .optional()
      .meta({ description: "validation errors only: every invalid value" }),
  })
  .meta({
    id: "Problem",
    description: "RFC 9457 problem details (application/problem+json)",
    examples: [
      {
        type: "urn:problem:validation-error",
        title: "Validation failed",
        status: 400,
        detail: "1 invalid value in the request",
        instance: "/api/v1/users?limit=101",
        requestId: "3f1c2a9e-6d4b-4c1f-9a7e-2b8d5e0f1a23",
        errors: [
          { location: "query", path: ["limit"], message: "Too big: expected number to be <=100", code: "too_big" },
        ],
      },
    ],
  });

export type Problem = z.infer<typeof problemSchema>;
export type ValidationIssue = z.infer<typeof validationIssueSchema>;
