// The generated client, re-exported so no other file reaches into generated/.
export { Prisma, PrismaClient, type User } from "./generated/prisma/client.ts";
