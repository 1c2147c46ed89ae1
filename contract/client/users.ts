// Written as a team consuming the API would write it: a client typed from the served document
// (openapi-typescript → ./generated/api.ts, made by test/typed-client.test.ts), no casts, no
// hand-written types. The test type-checks this file with `tsc --strict`, then runs it.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./generated/api.ts";

export async function walkThroughUsers(baseUrl: string, middleware: Middleware) {
  const client = createClient<paths>({ baseUrl });
  client.use(middleware);

  const created = await client.POST("/api/v1/users", { body: { email: "grace@example.org", name: "Grace" } });
  if (!created.data) throw new Error(`create failed: ${created.response.status}`);
  const user = created.data;
  const location = created.response.headers.get("location");

  const read = await client.GET("/api/v1/users/{id}", { params: { path: { id: user.id } } });
  const renamed = await client.PATCH("/api/v1/users/{id}", {
    params: { path: { id: user.id } },
    body: { name: "Grace Hopper" },
  });
  const duplicate = await client.POST("/api/v1/users", { body: { email: user.email } });

  // Every page, following nextCursor.
  const emails: string[] = [];
  let cursor: number | undefined;
  do {
    const page = await client.GET("/api/v1/users", { params: { query: { limit: 2, cursor } } });
    if (!page.data) throw new Error(`list failed: ${page.response.status}`);
    emails.push(...page.data.data.map((each) => each.email));
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor !== undefined);

  const tooLarge = await client.GET("/api/v1/users", { params: { query: { limit: 101 } } });
  const deleted = await client.DELETE("/api/v1/users/{id}", { params: { path: { id: user.id } } });
  const gone = await client.GET("/api/v1/users/{id}", { params: { path: { id: user.id } } });

  return {
    created: { status: created.response.status, user, location },
    read: read.data,
    renamed: renamed.data?.name,
    duplicate: { status: duplicate.response.status, type: duplicate.error?.type, detail: duplicate.error?.detail },
    emails,
    tooLarge: {
      status: tooLarge.response.status,
      errors: tooLarge.error?.errors?.map((issue) => issue.path.join(".")),
    },
    deleted: deleted.response.status,
    gone: { status: gone.response.status, title: gone.error?.title },
  };
}
