/**
 * The `peerkit` command line: from `process.argv` to a typed command. Parsing only; nothing here reads a
 * config file or starts a node. Flags that describe the node become config `overrides`, validated later
 * by `resolveNodeConfig` together with the config file, so a bad value is reported like a bad field.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { PeerkitError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";
import { nearestName } from "../base/nearest-name.js";

/** The usage text printed by `peerkit --help` and after a usage error. */
export const USAGE = `Usage: peerkit start [options]
       peerkit id --data-dir DIR   print the peer id kept in DIR (created there if missing)
       peerkit network-key         print a new network key (64 hex characters)
       peerkit new-plugin NAME [--dir DIR]
                                   make a plugin project in DIR (default ./NAME): a plugin answering
                                   NAME in capitals, its test, and a config that loads it
       peerkit help | --help
       peerkit --version

Start a peer-to-peer node and chat on standard input.

Options of "start" (each overrides the config file):
  --config FILE               config file (default: peerkit.config.* or .peerkitrc* in the current directory)
  --data-dir DIR              keep this node's identity key in DIR (created on first start, owner-only);
                              without it the node has a new identity, so a new id, at each start
  --network-key FILE          a private network: only nodes holding the same key (a file of 64 hex
                              characters, from "peerkit network-key") connect
  --insecure                  plaintext protocol v1: no TLS, no signatures, chosen ids (--id); never
                              connects to secure nodes, refused together with --network-key
  --id ID                     with --insecure only: this node's peer id (default: random); a secure
                              node's id is derived from its key
  --host HOST                 address to listen on and advertise (default: 127.0.0.1)
  --port PORT                 port to listen on; 0 picks a free one (default: 7001)
  --bootstrap HOST:PORT,...   peers to join at start (the flag may be repeated); legacy://HOST:PORT for
                              an original Python peer (with --legacy)
  --plugins NAME,...          plugins to load: built-in names or module specifiers (may be repeated)
  --legacy                    also speak to the original Python peers (adds the "legacy" plugin to the
                              plugin list, whether it comes from the defaults, the config or --plugins);
                              needed for legacy://HOST:PORT bootstrap peers
  --nick NAME                 chat nickname, sent with every chat line
  --debug                     log at debug level; show stack traces of errors
  --json                      standard output: one JSON object per line (logs stay on standard error)
  -h, --help                  show this help

At the prompt: a line is broadcast to the network; /join HOST:PORT, /msg PEER TEXT (to one node: PEER
is its id, the id's start as the chat shows it, or a connected peer's nick), /send PEER TYPE JSON (one
message of a plugin's type), /peers, /plugins, /quit, /help are commands (/help shows an example of
each); a line starting with "//" is broadcast with one "/" removed.
End of input does not stop the node.`;

/** What `peerkit start` was asked to do. */
export interface StartOptions {
  /** The `--config` path, relative to the current directory; undefined to search for a config file. */
  configPath?: string;
  /** Config fields given as flags; only the flags actually present. */
  overrides: Record<string, unknown>;
  /** `--debug`: show stack traces of errors (also sets the config's `debug`). */
  debug: boolean;
  /** `--json`: machine-readable output on stdout. */
  json: boolean;
  /** Plugins appended to whichever plugin list wins (`["legacy"]` for `--legacy`); absent when none. */
  addPlugins?: string[];
}

/** A parsed command line. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "start"; options: StartOptions }
  | { kind: "id"; dataDir: string }
  | { kind: "network-key" }
  | { kind: "new-plugin"; name: string; dir?: string };

/** The command line is malformed (unknown command or flag, missing value). The CLI exits with code 2. */
export class UsageError extends PeerkitError {
  constructor(message: string) {
    super("ERR_USAGE", message);
  }
}

const START_FLAGS = {
  config: { type: "string" },
  "data-dir": { type: "string" },
  "network-key": { type: "string" },
  insecure: { type: "boolean" },
  id: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  bootstrap: { type: "string", multiple: true },
  plugins: { type: "string", multiple: true },
  legacy: { type: "boolean" },
  nick: { type: "string" },
  debug: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  dir: { type: "string" },
} as const;

const COMMANDS = ["start", "id", "network-key", "new-plugin", "help"];

/**
 * Parses the arguments after `node main.js`.
 *
 * @throws UsageError for an unknown command or flag, a flag without its value, or a stray argument.
 */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: START_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('No command given; use "peerkit start".');
  if (command === "help") return { kind: "help" };
  if (!COMMANDS.includes(command)) {
    throw new UsageError(`Unknown command "${command}"; the commands are "start", "id", "network-key", "new-plugin" and "help".`);
  }
  if (command === "new-plugin") {
    if (rest.length === 0) throw new UsageError('"new-plugin" needs the plugin\'s name: peerkit new-plugin NAME [--dir DIR].');
    if (rest.length > 1) throw new UsageError(`Unexpected argument "${rest[1]}"; "new-plugin" takes one name.`);
  } else if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"; "${command}" takes only options.`);
  const given = Object.keys(values).filter((flag) => flag !== "debug");
  const allowed =
    command === "id" ? ["data-dir"] : command === "network-key" ? [] : command === "new-plugin" ? ["dir"] : given.filter((flag) => flag !== "dir");
  const stray = given.find((flag) => !allowed.includes(flag));
  if (stray !== undefined) throw new UsageError(`"${command}" does not take --${stray}.`);
  if (command === "network-key") return { kind: "network-key" };
  if (command === "new-plugin") return values.dir === undefined ? { kind: command, name: rest[0]! } : { kind: command, name: rest[0]!, dir: values.dir };
  if (command === "id") {
    if (values["data-dir"] === undefined) throw new UsageError('"id" needs --data-dir DIR, the directory that keeps the node\'s identity.');
    return { kind: "id", dataDir: values["data-dir"] };
  }

  const overrides: Record<string, unknown> = {};
  if (values.insecure) overrides.security = "none";
  // Paths on the command line are the shell's: relative to the current directory, not the config file's.
  if (values["data-dir"] !== undefined) overrides.dataDir = resolve(values["data-dir"]);
  if (values["network-key"] !== undefined) overrides.networkKey = resolve(values["network-key"]);
  if (values.id !== undefined) overrides.id = values.id;
  if (values.host !== undefined) overrides.host = values.host;
  if (values.port !== undefined) overrides.port = parsePort(values.port);
  if (values.nick !== undefined) overrides.nick = values.nick;
  if (values.bootstrap !== undefined) overrides.bootstrap = splitList(values.bootstrap);
  if (values.plugins !== undefined) overrides.plugins = splitList(values.plugins);
  if (values.debug) overrides.debug = true;

  const options: StartOptions = { overrides, debug: values.debug ?? false, json: values.json ?? false };
  if (values.config !== undefined) options.configPath = values.config;
  if (values.legacy) options.addPlugins = ["legacy"];
  return { kind: "start", options };
}

/**
 * node:util's message, shortened where it is about a mistyped flag rather than a positional argument,
 * with the flag it most likely meant (`--prot`: did you mean "--port"?).
 */
function describeParseError(error: unknown): string {
  const message = errorMessage(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    const nearest = option.startsWith("--") ? nearestName(option.slice(2), Object.keys(START_FLAGS)) : undefined;
    return `Unknown option "${option}"${nearest ? `; did you mean "--${nearest}"?` : "."}`;
  }
  return message;
}

/**
 * A decimal number becomes a number; anything else stays the string it was, so that config validation
 * reports it as "port: expected an integer ..., got "x" (a string)" rather than a NaN slipping through.
 */
function parsePort(text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

/** `["a,b", "c"]` → `["a", "b", "c"]`: comma-separated and repeated flags alike; empty items dropped. */
function splitList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(",")).map((item) => item.trim()).filter((item) => item !== "");
}
