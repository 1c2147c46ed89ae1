import { randomBytes } from "node:crypto";
import type { Config } from "@repo/config";
import type { Command } from "commander";
import { withDatabase } from "./db.ts";

/**
 * `pnpm cli users create-admin <email>`: an admin account, for a fresh production database (the
 * development seed has one already). An existing user is promoted. The password comes from
 * standard input (`--password-stdin`), or a random one is made and printed once.
 */
export function registerUserCommands(program: Command, loadConfig: () => Config): void {
  const users = program.command("users").description("accounts");

  users
    .command("create-admin")
    .description("create an admin (or make an existing user one) and set its password")
    .argument("<email>", "the admin's email")
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (email: string, options: { passwordStdin?: boolean }) => {
      const config = loadConfig();
      // The rules sign-up applies (src/routes/users/schemas.ts), so the admin can sign in afterwards.
      const [schemas, { passwordsFromConfig }] = await Promise.all([
        import("../routes/users/schemas.ts"),
        import("../service.ts"),
      ]);
      const address = schemas.email.safeParse(email);
      if (!address.success) return fail(`"${email}" is not an email address of at most 254 characters`);
      const generated = !options.passwordStdin;
      const given = generated ? randomBytes(18).toString("base64url") : (await readStdin()).replace(/\r?\n$/, "");
      const password = schemas.newPassword.safeParse(given);
      if (!password.success) return fail(`the password ${password.error.issues[0]?.message}`);
      const passwordHash = await passwordsFromConfig(config).hash(password.data);
      await withDatabase(config, async (db) => {
        const existing = await db.client.user.findUnique({ where: { email: address.data } });
        const user = await db.client.user.upsert({
          where: { email: address.data },
          create: { email: address.data, role: "admin", passwordHash },
          update: { role: "admin", passwordHash },
        });
        // A new password ends the account's sessions, as a password change does.
        await db.client.session.deleteMany({ where: { userId: user.id } });
        console.log(`${existing ? "Made" : "Created"} admin ${user.email} (id ${user.id}).`);
        if (generated) console.log(`Password (shown once): ${password.data}`);
      });
    });
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
