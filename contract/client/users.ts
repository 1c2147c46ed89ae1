// Written as a team consuming the API would write it: a client typed from the served document
// (openapi-typescript → ./generated/api.ts, made by test/typed-client.test.ts), no casts, no
// hand-written types. The test type-checks this file with `tsc --strict`, then runs it.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./generated/api.ts";

/** The development seed's admin (README: "Development accounts"). */
const ADMIN = { email: "admin@example.com", password: "admin-dev-password" };

export async function walkThroughUsers(baseUrl: string, middleware: Middleware) {
  const client = (token?: string) => {
    const api = createClient<paths>({ baseUrl, ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}) });
    api.use(middleware);
    return api;
  };
  const anonymous = client();
  const signIn = async (body: { email: string; password: string }) => {
    const { data, response } = await anonymous.POST("/api/v1/sessions", { body });
    if (!data) throw new Error(`sign-in failed: ${response.status}`);
    return client(data.token);
  };

  const password = "grace's own passphrase";
  const created = await anonymous.POST("/api/v1/users", {
    body: { email: "grace@example.org", name: "Grace", password },
  });
  if (!created.data) throw new Error(`sign-up failed: ${created.response.status}`);
  const user = created.data;
  const location = created.response.headers.get("location");
  const duplicate = await anonymous.POST("/api/v1/users", { body: { email: user.email, password } });
  const signedOut = await anonymous.GET("/api/v1/users/{id}", { params: { path: { id: user.id } } });

  const grace = await signIn({ email: user.email, password });
  const me = await grace.GET("/api/v1/sessions/current");
  const read = await grace.GET("/api/v1/users/{id}", { params: { path: { id: user.id } } });
  const renamed = await grace.PATCH("/api/v1/users/{id}", {
    params: { path: { id: user.id } },
    body: { name: "Grace Hopper" },
  });
  const notAdmin = await grace.GET("/api/v1/users", { params: { query: { limit: 2 } } });

  // Every page, following nextCursor, as the admin.
  const admin = await signIn(ADMIN);
  const emails: string[] = [];
  let cursor: number | undefined;
  do {
    const page = await admin.GET("/api/v1/users", { params: { query: { limit: 2, cursor } } });
    if (!page.data) throw new Error(`list failed: ${page.response.status}`);
    emails.push(...page.data.data.map((each) => each.email));
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor !== undefined);

  const tooLarge = await admin.GET("/api/v1/users", { params: { query: { limit: 101 } } });
  const deleted = await grace.DELETE("/api/v1/users/{id}", { params: { path: { id: user.id } } });
  const gone = await admin.GET("/api/v1/users/{id}", { params: { path: { id: user.id } } });

  return {
    created: { status: created.response.status, user, location },
    duplicate: { status: duplicate.response.status, type: duplicate.error?.type, detail: duplicate.error?.detail },
    signedOut: { status: signedOut.response.status, authenticate: signedOut.response.headers.get("www-authenticate") },
    me: me.data?.user.email,
    read: read.data,
    renamed: renamed.data?.name,
    notAdmin: { status: notAdmin.response.status, type: notAdmin.error?.type },
    emails,
    tooLarge: {
      status: tooLarge.response.status,
      errors: tooLarge.error?.errors?.map((issue) => issue.path.join(".")),
    },
    deleted: deleted.response.status,
    gone: { status: gone.response.status, title: gone.error?.title },
  };
}
