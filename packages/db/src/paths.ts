import path from "node:path";

/** The package's prisma/ folder: schema.prisma and migrations/. Same place from src/ and dist/. */
export const DEFAULT_PRISMA_DIR = path.resolve(import.meta.dirname, "../prisma");

export const schemaPathIn = (prismaDir: string) => path.join(prismaDir, "schema.prisma");
export const migrationsDirIn = (prismaDir: string) => path.join(prismaDir, "migrations");
