import { inspect } from "node:util";
import { type Config, redactConfig } from "@repo/config";
import { Command } from "commander";
import { registerDbCommands } from "./cli/db.ts";
import { registerUserCommands } from "./cli/users.ts";
import { loadConfigOrExit } from "./runtime/process.ts";

// CLI entry point, like `flask <command>`: `pnpm cli <command>` from the repository root.
// Commands import the app and the database only when they need them: `hello` and
// `show-config` start in a fraction of the time.
const program = new Command("cli").description("Management commands for the API").showHelpAfterError();
// Read once: a failed command's message needs it again.
let loaded: Config | undefined;
const config = () => (loaded ??= loadConfigOrExit());

program
  .command("hello")
  .description("print a greeting (a smoke test of the CLI)")
  .argument("[name]", "who to greet", "world")
  .action((name: string) => {
    console.log(`Hello, ${name}!`);
  });

program
  .command("show-config")
  .description("print the effective configuration as JSON, secrets redacted")
  .action(() => {
    console.log(JSON.stringify(redactConfig(config()), null, 2));
  });

program
  .command("routes")
  .description("list every route: method and path")
  .action(async () => {
    const [{ createLogger }, { createService }] = await Promise.all([import("@repo/logger"), import("./service.ts")]);
    // Never started: building the service opens no connection.
    const { operations } = createService(config(), { logger: createLogger({ level: "silent" }) });
    const routes = operations.map(({ operation, path }) => ({ method: operation.method.toUpperCase(), path }));
    const width = Math.max(...routes.map((route) => route.method.length));
    for (const route of routes) console.log(`${route.method.padEnd(width)}  ${route.path}`);
  });

registerDbCommands(program, config);
registerUserCommands(program, config);

try {
  await program.parseAsync();
} catch (error) {
  // A database that cannot be reached or opened is one message, as for the server; anything else
  // is a bug, its stack the useful part.
  const { describeFailure } = await import("./runtime/failure.ts");
  const message = describeFailure(error, config());
  process.stderr.write(
    message === undefined || config().LOG_LEVEL === "debug" ? `${inspect(error)}\n` : `${message}\n`,
  );
  process.exitCode = 1;
}
// A command is done when its action resolves. Exit now: the WASM schema engine leaves a
// 10 s timer behind after migrating, which would otherwise keep the process waiting.
process.exit();
