import { assertSelfOrAdmin } from "../../http/auth.ts";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import {
  changePasswordBody,
  createUserBody,
  listUsersQuery,
  updateUserBody,
  userPageSchema,
  userParams,
  userSchema,
} from "./schemas.ts";
import { type UsersDeps, usersService } from "./service.ts";

/** How the document groups this module's operations. */
const TAG = {
  name: "users",
  description:
    "The accounts: sign up here, sign in at /api/v1/sessions. A user reads and changes their own account, an admin any; listed by id a page at a time (pass a page's `nextCursor` as `cursor` for the next).",
};

/** Users, under the API's base: /api/v1/users. HTTP only; the logic is in service.ts. */
export function usersRoutes(deps: UsersDeps): RouteModule {
  const users = usersService(deps);
  return defineRoutes({ prefix: "/users", tag: TAG }, [
    op.get("/", {
      operationId: "listUsers",
      summary: "List users, a page at a time",
      auth: "admin",
      request: { query: listUsersQuery },
      responses: { 200: { description: "A page of users, by id", schema: userPageSchema } },
      problems: [503],
      handler: async ({ query }) => ({ status: 200, body: await users.list(query) }),
    }),
    op.post("/", {
      operationId: "createUser",
      summary: "Sign up, or (an admin) create an account",
      auth: "optional",
      request: { body: createUserBody },
      responses: {
        201: { description: "Created", schema: userSchema, headers: { Location: "The new user's URL" } },
      },
      problems: [409, 503],
      handler: async ({ body }, { req }) => {
        const user = await users.create(body, req.principal);
        return { status: 201, body: user, headers: { Location: `${req.baseUrl}${req.route.path}/${user.id}` } };
      },
    }),
    op.get("/{id}", {
      operationId: "getUser",
      summary: "Get a user",
      auth: "user",
      request: { params: userParams },
      responses: { 200: { description: "The user", schema: userSchema } },
      problems: [403, 404, 503],
      handler: async ({ params }, { req }) => {
        const { user } = assertSelfOrAdmin(req, params.id);
        // Your own account was read with your session in this request: answered from it, one query less.
        return { status: 200, body: user.id === params.id ? user : await users.get(params.id) };
      },
    }),
    op.patch("/{id}", {
      operationId: "updateUser",
      summary: "Update a user",
      description: "Changes the fields given; at least one of them. Only an admin changes a role.",
      auth: "user",
      request: { params: userParams, body: updateUserBody },
      responses: { 200: { description: "The updated user", schema: userSchema } },
      problems: [404, 409, 503],
      handler: async ({ params, body }, { req }) => {
        const actor = assertSelfOrAdmin(req, params.id);
        return { status: 200, body: await users.update(params.id, body, actor) };
      },
    }),
    op.delete("/{id}", {
      operationId: "deleteUser",
      summary: "Delete a user and every session of theirs",
      auth: "user",
      request: { params: userParams },
      responses: { 204: { description: "Deleted" } },
      problems: [404, 503],
      handler: async ({ params }, { req }) => {
        assertSelfOrAdmin(req, params.id);
        await users.remove(params.id);
        return { status: 204 };
      },
    }),
    op.put("/{id}/password", {
      operationId: "changePassword",
      summary: "Change a password; the account's other sessions are revoked",
      auth: "user",
      request: { params: userParams, body: changePasswordBody },
      responses: { 204: { description: "Changed" } },
      problems: [404, 503],
      handler: async ({ params, body }, { req }) => {
        const actor = assertSelfOrAdmin(req, params.id);
        await users.changePassword(params.id, body, actor);
        return { status: 204 };
      },
    }),
  ]);
}
