#!/usr/bin/env node
/** The `peerkit` command: parses the command line, runs the command, and exits with its code. */
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { parseCommandLine, USAGE } from "./args.js";
import { exitCodeOf, formatFailure } from "./failure.js";
import { newPlugin, nextSteps } from "./new-plugin.js";
import { runStart } from "./start.js";
import { loadOrCreateIdentity } from "../secure/identity.js";
import { networkKeyText } from "../secure/network-key.js";

/** Runs the CLI with the arguments after `node main.js`; resolves with the exit code, never rejects. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case "help":
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case "version":
        process.stdout.write(`${packageVersion()}\n`);
        return 0;
      case "start":
        return await runStart(command.options);
      case "id":
        process.stdout.write(`${loadOrCreateIdentity(command.dataDir).peerId}\n`);
        return 0;
      case "network-key":
        process.stdout.write(`${networkKeyText()}\n`);
        return 0;
      case "new-plugin":
        process.stdout.write(`${nextSteps(newPlugin(command.name, { dir: command.dir }))}\n`);
        return 0;
    }
  } catch (error) {
    process.stderr.write(`${formatFailure(error, argv.includes("--debug"))}\n`);
    return exitCodeOf(error);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** Exits once stdout and stderr have taken everything written to them. */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** A last resort: a bug that escaped every handler is reported like any other error, not as a crash dump. */
function crash(error: unknown): void {
  process.stderr.write(`${formatFailure(error, process.argv.includes("--debug"))}\n`);
  exit(1);
}

process.on("unhandledRejection", crash);
process.on("uncaughtException", crash);
// A reader that went away (`peerkit start --json | head -1`) is not a reason to crash the node.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") crash(error);
});

void main(process.argv.slice(2)).then(exit);
