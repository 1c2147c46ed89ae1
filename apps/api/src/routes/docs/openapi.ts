import { z } from "zod";
import { json, type OpenApiPaths } from "../../openapi/document.ts";
import { OPENAPI_PATH } from "./router.ts";

export const docsOpenApi: OpenApiPaths = {
  [OPENAPI_PATH]: {
    get: {
      summary: "This OpenAPI 3.1 document",
      tags: ["system"],
      responses: { "200": json("The document", z.looseObject({ openapi: z.string() })) },
    },
  },
};
