import type { PrismaClient } from "@repo/db";
import { Router } from "express";
import { onlyDeclaredMethods } from "../../http/method-not-allowed.ts";
import { validate } from "../../http/validate.ts";
import { createUserBody, listUsersQuery, updateUserBody, userParams } from "./schemas.ts";
import { usersService } from "./service.ts";

/** CRUD for users: mounted at /api/v1/users. */
export function usersRoutes({ db }: { db: PrismaClient }): Router {
  const router = Router();
  const users = usersService({ db });

  router
    .route("/")
    .get(async (req, res) => {
      const { query } = validate(req, { query: listUsersQuery });
      res.json(await users.list(query));
    })
    .post(async (req, res) => {
      const { body } = validate(req, { body: createUserBody });
      const user = await users.create(body);
      res.status(201).location(`${req.baseUrl}/${user.id}`).json(user);
    })
    .all(onlyDeclaredMethods);

  router
    .route("/:id")
    .get(async (req, res) => {
      const { params } = validate(req, { params: userParams });
      res.json(await users.get(params.id));
    })
    .patch(async (req, res) => {
      const { params, body } = validate(req, { params: userParams, body: updateUserBody });
      res.json(await users.update(params.id, body));
    })
    .delete(async (req, res) => {
      const { params } = validate(req, { params: userParams });
      await users.remove(params.id);
      res.status(204).end();
    })
    .all(onlyDeclaredMethods);

  return router;
}
