import type { PrismaClient } from "@repo/db";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import { createUserBody, listUsersQuery, updateUserBody, userPageSchema, userParams, userSchema } from "./schemas.ts";
import { usersService } from "./service.ts";

/** How the document groups this module's operations. */
const TAG = {
  name: "users",
  description:
    "The example resource: users with a unique email, listed by id a page at a time (pass a page's `nextCursor` as `cursor` for the next).",
};

/** CRUD for users, under the API's base: /api/v1/users. HTTP only; the logic is in service.ts. */
export function usersRoutes({ db }: { db: PrismaClient }): RouteModule {
  const users = usersService({ db });
  return defineRoutes({ prefix: "/users", tag: TAG }, [
    op.get("/", {
      operationId: "listUsers",
      summary: "List users, a page at a time",
      request: { query: listUsersQuery },
      responses: { 200: { description: "A page of users, by id", schema: userPageSchema } },
      problems: [503],
      handler: async ({ query }) => ({ status: 200, body: await users.list(query) }),
    }),
    op.post("/", {
      operationId: "createUser",
      summary: "Create a user",
      request: { body: createUserBody },
      responses: {
        201: { description: "Created", schema: userSchema, headers: { Location: "The new user's URL" } },
      },
      problems: [409, 503],
      handler: async ({ body }, { req }) => {
        const user = await users.create(body);
        return { status: 201, body: user, headers: { Location: `${req.baseUrl}${req.route.path}/${user.id}` } };
      },
    }),
    op.get("/{id}", {
      operationId: "getUser",
      summary: "Get a user",
      request: { params: userParams },
      responses: { 200: { description: "The user", schema: userSchema } },
      problems: [404, 503],
      handler: async ({ params }) => ({ status: 200, body: await users.get(params.id) }),
    }),
    op.patch("/{id}", {
      operationId: "updateUser",
      summary: "Update a user",
      description: "Changes the fields given; at least one of them.",
      request: { params: userParams, body: updateUserBody },
      responses: { 200: { description: "The updated user", schema: userSchema } },
      problems: [404, 409, 503],
      handler: async ({ params, body }) => ({ status: 200, body: await users.update(params.id, body) }),
    }),
    op.delete("/{id}", {
      operationId: "deleteUser",
      summary: "Delete a user",
      request: { params: userParams },
      responses: { 204: { description: "Deleted" } },
      problems: [404, 503],
      handler: async ({ params }) => {
        await users.remove(params.id);
        return { status: 204 };
      },
    }),
  ]);
}
