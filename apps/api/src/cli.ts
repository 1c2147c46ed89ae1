import { ConfigError, loadConfig, redactConfig } from "@repo/config";
import { Command } from "commander";
import { registerDbCommands } from "./db-commands.ts";

// CLI entry point, like `flask <command>`: `pnpm cli <command>` from the repository root.
// Commands import the app and the database only when they need them: `hello` and
// `show-config` start in a fraction of the time.
const program = new Command("cli").description("Management commands for the API").showHelpAfterError();

const config = () => {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
};

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
    const cfg = config();
    const [{ ExtensionRegistry }, { createLogger }, { createApp }, { databaseFromConfig }, { listRoutes }] =
      await Promise.all([
        import("@repo/extensions"),
        import("@repo/logger"),
        import("./app.ts"),
        import("./database.ts"),
        import("./routes-table.ts"),
      ]);
    const logger = createLogger({ level: "silent" });
    // Never started: building the client opens no connection.
    const db = databaseFromConfig(cfg).client;
    const app = createApp({ config: cfg, logger, registry: new ExtensionRegistry({ checkTimeoutMs: 1 }), db });
    const routes = listRoutes(app);
    const width = Math.max(...routes.map((route) => route.method.length));
    for (const route of routes) console.log(`${route.method.padEnd(width)}  ${route.path}`);
  });

registerDbCommands(program, config);

await program.parseAsync();
// A command is done when its action resolves. Exit now: the WASM schema engine leaves a
// 10 s timer behind after migrating, which would otherwise keep the process waiting.
process.exit();
