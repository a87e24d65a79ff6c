/**
 * @module main
 * Entry point: read settings, dispatch the command. Wiring only.
 */
import {
  configCheckCommand,
  configExportCommand,
  keyNewCommand,
} from "./src/cli/config_commands.ts";
import { rotateKeyCommand } from "./src/cli/rotate_key_command.ts";
import { serve } from "./src/cli/serve.ts";
import { HELP, resolveSettings, UsageError } from "./src/cli/settings.ts";
import { createLogger } from "./src/log.ts";
import { StartupError } from "./src/errors.ts";
import { VERSION } from "./src/version.ts";

async function main(): Promise<number> {
  const env = (name: string) => Deno.env.get(name);
  const settings = resolveSettings(Deno.args, env);
  switch (settings.command) {
    case "help":
      console.log(HELP);
      return 0;
    case "version":
      console.log(`sidecar ${VERSION}`);
      return 0;
    case "rotate-key":
      await rotateKeyCommand(settings);
      return 0;
    case "config-check":
      return await configCheckCommand(settings, env);
    case "config-export":
      return configExportCommand(settings);
    case "key-new":
      return keyNewCommand(settings);
    case "serve":
      await serve(settings, createLogger(settings.logLevel));
      return 0;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    if (err instanceof UsageError || err instanceof StartupError) {
      console.error(`sidecar: ${err.message}`);
      Deno.exit(2);
    }
    console.error(`sidecar: unexpected error: ${(err as Error).message ?? err}`);
    Deno.exit(1);
  }
}
