/**
 * `peerkit start`: resolve the config (file, then flags), build and start the node, print its events,
 * read the chat from stdin, and shut down cleanly on `/quit`, SIGINT or SIGTERM.
 */
import type { Readable, Writable } from "node:stream";
import { resolveNodeConfig } from "../node/config-file.js";
import { createNode } from "../node/create-node.js";
import { StreamLogger } from "../base/logger.js";
import type { PeerNode } from "../node/peer-node.js";
import type { StartOptions } from "./args.js";
import { CHAT_COMMAND_LIST, ChatSession } from "./chat.js";
import { HumanPrinter, JsonPrinter, type EventPrinter, type TextSink } from "./output.js";
import { KnownPeers } from "./known-peers.js";
import { LEGACY_DIALECT } from "../legacy/codec.js";
import { errorMessage } from "../base/error-message.js";
import { TerminalPrompt, wantsTerminalPrompt } from "./terminal-prompt.js";

/** The process streams `runStart` uses; tests of the CLI spawn it, so these are the real ones in practice. */
export interface CliStreams {
  stdin: Readable;
  stdout: TextSink;
  stderr: TextSink;
}

/** How long a shutdown may take before the process gives up on it and exits with code 1. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Runs a node until it is told to stop. Resolves with the exit code: 0 after a clean shutdown, 1 when the
 * shutdown failed or timed out.
 *
 * @throws whatever resolving the config, loading the plugins or starting the node throws (a `PeerkitError`
 *   such as ERR_CONFIG_INVALID, ERR_UNKNOWN_PLUGIN or ERR_LISTEN); the node is shut down first.
 */
export async function runStart(options: StartOptions, streams: CliStreams = processStreams()): Promise<number> {
  const resolved = await resolveNodeConfig({ path: options.configPath, overrides: options.overrides, addPlugins: options.addPlugins });
  const { config } = resolved;
  // At a chat prompt, info lines (each connect logged next to its [connect] line) are noise: a person
  // sees warnings and errors; --json (a program reads stdout) keeps info on stderr; --debug shows all.
  const level = config.debug ? "debug" : options.json ? "info" : "warn";
  // On a terminal, everything printed while a line is typed goes above the prompt, log lines included.
  const prompt = wantsTerminalPrompt(streams.stdin, streams.stdout, options.json) ? new TerminalPrompt(streams.stdout as Writable) : undefined;
  const out = prompt ? prompt.sink(streams.stdout) : streams.stdout;
  const err = prompt ? prompt.sink(streams.stderr) : streams.stderr;
  const node = await createNode(config, { logLevel: level, logStream: err });
  if (config.security === "none") {
    streams.stderr.write(
      "peerkit: warning: --insecure: plaintext protocol v1. Anyone on the path reads and rewrites every message, any peer can claim any id, and nothing is signed. Secure nodes will not connect to this one.\n",
    );
  }
  const known = new KnownPeers(node.peers);
  const printer: EventPrinter = options.json ? new JsonPrinter(streams.stdout, known) : new HumanPrinter(out, err, Date.now, known);
  printEvents(node, printer, known);

  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  const stop = (): void => {
    // Signals and /quit may all arrive, in any number: the first one shuts down, the rest are ignored.
    if (stopping) return;
    stopping = true;
    chat.close();
    const timer = setTimeout(() => {
      streams.stderr.write(`peerkit: the node did not shut down within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting anyway.\n`);
      finish(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    node.shutdown().then(
      () => finish(0),
      (error: unknown) => {
        streams.stderr.write(`peerkit: shutdown failed: ${errorMessage(error)}\n`);
        finish(1);
      },
    );
  };
  const chat = new ChatSession(node, {
    input: streams.stdin,
    printer,
    known,
    prompt,
    onQuit: stop,
    onInputEnd: () => {
      if (!options.json) err.write("Input closed; the node keeps running. Stop it with Ctrl-C or SIGTERM.\n");
    },
  });
  onTerminationSignal(stop);

  try {
    await node.start();
  } catch (error) {
    // A signal during start makes start() fail; that is the requested shutdown, not an error to report.
    if (stopping) return finished;
    chat.close();
    await node.shutdown();
    throw error;
  }
  if (config.debug) printer.plugins(node.handledTypes());
  if (!options.json) err.write(`${CHAT_COMMAND_LIST}\n`);
  return finished;
}

/**
 * Forwards the node's events to the printer, and remembers the peers they name (connected peers, the
 * originators of delivered broadcasts and one-to-one messages) before printing, so that the printed
 * abbreviation is unique among them. Subscribed before `start()`, which emits `listening`.
 */
function printEvents(node: PeerNode, printer: EventPrinter, known: KnownPeers): void {
  node.on("listening", (address) => printer.listening({ id: node.id }, address));
  node.on("peer:connect", (peer) => {
    known.remember(peer.id, peer.dialect === LEGACY_DIALECT);
    printer.peerConnect(peer);
  });
  node.on("peer:disconnect", (peer, reason) => printer.peerDisconnect(peer, reason));
  node.on("broadcast", (event) => {
    known.remember(event.originator);
    printer.broadcast(event);
  });
  node.on("test", (event) => printer.test(event));
  node.on("direct", (event) => {
    known.remember(event.originator);
    printer.direct(event);
  });
}

/** Calls `stop` on every SIGINT and SIGTERM, for the life of the process (so a second signal cannot kill it mid-shutdown). */
function onTerminationSignal(stop: () => void): void {
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function processStreams(): CliStreams {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
