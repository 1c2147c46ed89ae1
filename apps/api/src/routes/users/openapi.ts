import { z } from "zod";
import { json, type OpenApiPaths, problems } from "../../openapi/document.ts";
import { createUserBody, listUsersQuery, updateUserBody, userParams, userSchema } from "./schemas.ts";

const tags = ["users"];
const body = (schema: z.ZodType) => ({ required: true, content: { "application/json": { schema } } });

export const usersOpenApi: OpenApiPaths = {
  "/": {
    get: {
      summary: "List users",
      description: "Keyset pagination by id: pass `nextCursor` as `cursor` for the next page.",
      tags,
      requestParams: { query: listUsersQuery },
      responses: {
        "200": json("A page of users", z.object({ data: z.array(userSchema), nextCursor: z.int().nullable() })),
        ...problems(400, 429, 503),
      },
    },
    post: {
      summary: "Create a user",
      tags,
      requestBody: body(createUserBody),
      responses: { "201": json("Created", userSchema), ...problems(400, 409, 413, 415, 429, 503) },
    },
  },
  "/{id}": {
    get: {
      summary: "Get a user",
      tags,
      requestParams: { path: userParams },
      responses: { "200": json("The user", userSchema), ...problems(400, 404, 429, 503) },
    },
    patch: {
      summary: "Update a user",
      tags,
      requestParams: { path: userParams },
      requestBody: body(updateUserBody),
      responses: { "200": json("The updated user", userSchema), ...problems(400, 404, 409, 413, 415, 429, 503) },
    },
    delete: {
      summary: "Delete a user",
      tags,
      requestParams: { path: userParams },
      responses: { "204": { description: "Deleted" }, ...problems(400, 404, 429, 503) },
    },
  },
};
