/**
 * The chat prompt: standard input, one line at a time. A plain line is broadcast as `{ text, nick? }`;
 * a line starting with `/` is one of `CHAT_COMMANDS`; `/msg PEER TEXT` sends `{ text, nick? }` to one
 * node (PEER: an id, an id prefix or a nick, see `msg-command.ts`); `/send PEER TYPE JSON` sends one
 * message of a plugin's type to a connected peer and shows what comes back (`send-command.ts`,
 * `send-replies.ts`). End of input only stops reading: the node keeps running, so
 * `peerkit start < /dev/null &` works as a daemon. On a terminal, a `TerminalPrompt` keeps the line being
 * typed below the output.
 */
import { createInterface, type Interface } from "node:readline";
import type { Readable } from "node:stream";
import { parseHostPort } from "../base/host-port.js";
import { PeerkitError, UndeliveredError } from "../base/errors.js";
import type { Envelope } from "../base/envelope.js";
import type { PeerInfo, PeerRecord } from "../base/peer.js";
import type { PluginTypes } from "../node/peer-node.js";
import { MSG_USAGE, parseMsgArgs, resolveMsgTarget } from "./msg-command.js";
import { KnownPeers } from "./known-peers.js";
import type { EventPrinter } from "./output.js";
import { errorMessage } from "../base/error-message.js";
import { isReservedType, NotConnectedError, parseSendArgs, reservedTypeError, reservedTypesOf } from "./send-command.js";
import { ReplyWatch } from "./send-replies.js";
import { PROMPT, type TerminalPrompt } from "./terminal-prompt.js";

/** The chat commands: what `/help` lists, each with an example, and all that the chat dispatches. */
export const CHAT_COMMANDS = [
  { name: "/join", args: "HOST:PORT", what: "connect to a node", example: "/join 127.0.0.1:7001" },
  { name: "/msg", args: "PEER TEXT", what: "a private line to one node; PEER: an id, its prefix as shown, or a connected peer's nick", example: "/msg alice hello" },
  { name: "/send", args: "PEER TYPE JSON", what: "one message of a plugin's type to a connected peer, and show its replies", example: '/send alice ECHO {"text":"hi"}' },
  { name: "/peers", args: "", what: "list the connected peers", example: "/peers" },
  { name: "/plugins", args: "", what: "list the loaded plugins and the message types each handles", example: "/plugins" },
  { name: "/quit", args: "", what: "shut the node down and exit", example: "/quit" },
  { name: "/help", args: "", what: "this list", example: "/help" },
] as const;

/** A chat command's name. */
export type ChatCommandName = (typeof CHAT_COMMANDS)[number]["name"];

/** The answer to `/help`: every command with one example. */
export const CHAT_HELP = [
  "commands:",
  ...CHAT_COMMANDS.map((c) => `  ${c.name}${c.args === "" ? "" : ` ${c.args}`}: ${c.what}; e.g. ${c.example}`),
  "  any other line is sent to everyone; start it with // to send a leading /, e.g. //shrug",
].join("\n");

/** The one line shown at start and after an unknown command. */
export const CHAT_COMMAND_LIST = `commands: ${CHAT_COMMANDS.map((c) => c.name).join(", ")} (/help shows an example of each); any other line is sent to everyone`;

/** The part of a node the chat drives. */
export interface ChatNode {
  readonly config: { readonly nick?: string; readonly security: "tls" | "none"; readonly limits: { readonly maxJsonDepth: number } };
  readonly peers: { connected(): PeerRecord[] };
  join(host: string, port: number): Promise<PeerInfo>;
  broadcast(msg: unknown): string;
  send(peerId: string, msg: unknown): Promise<string>;
  sendMessage(peerId: string, type: string, msg: unknown): string;
  handledTypes(): PluginTypes[];
  on(event: "message", listener: (envelope: Envelope, peerId: string | undefined) => void): unknown;
}

/** What a `ChatSession` needs besides the node. */
export interface ChatOptions {
  /** The lines to read, usually `process.stdin`. */
  input: Readable;
  /** Where answers and errors go. */
  printer: EventPrinter;
  /** Called on `/quit`: shut the node down and exit. */
  onQuit: () => void;
  /** Called when the input ends by itself (not by `close()`); the node keeps running. */
  onInputEnd?: () => void;
  /** The peers `/msg` resolves nicks and id prefixes against; default: the node's connected peers only. */
  known?: KnownPeers;
  /** On a terminal: read with a prompt, and keep it below the output (see `terminal-prompt.ts`). */
  prompt?: TerminalPrompt;
  /** Called on Ctrl-C at the prompt (a terminal in raw mode sends no SIGINT); default `onQuit`. */
  onInterrupt?: () => void;
}

/**
 * Reads chat lines from `input` and acts on them. Every failure is reported to the printer; nothing
 * thrown here escapes as an unhandled rejection.
 */
export class ChatSession {
  private readonly lines: Interface;
  private readonly known: KnownPeers;
  private readonly replies: ReplyWatch;
  private closed = false;
  private listening = false;
  private readonly commands: Record<ChatCommandName, (line: string, args: readonly string[]) => void | Promise<void>> = {
    "/join": (_line, args) => this.join(args),
    // The text keeps its spacing, so it is cut from the line itself, not from the split words.
    "/msg": (line) => this.message(line.trimStart().slice("/msg".length)),
    "/send": (line) => this.sendCommand(line.trimStart().slice("/send".length)),
    "/peers": () => this.options.printer.peers(this.node.peers.connected()),
    "/plugins": () => this.options.printer.plugins(this.node.handledTypes()),
    "/quit": () => this.options.onQuit(),
    "/help": () => this.options.printer.notice(CHAT_HELP),
  };

  constructor(
    private readonly node: ChatNode,
    private readonly options: ChatOptions,
  ) {
    this.known = options.known ?? new KnownPeers(node.peers);
    // The node's plugins are fixed once it runs: the reserved types are gathered once, not per frame.
    let reserved: ReadonlySet<string> | undefined;
    this.replies = new ReplyWatch((type) => (reserved ??= reservedTypesOf(node.handledTypes())).has(type));
    const { prompt } = options;
    this.lines = prompt
      ? createInterface({ input: options.input, output: prompt.terminal, terminal: true, prompt: PROMPT, crlfDelay: Infinity })
      : createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
    this.lines.on("line", (line) => {
      // The line is done: a fresh prompt at once, so output the command prints lands above it.
      if (prompt) this.lines.prompt();
      void this.handle(line);
    });
    this.lines.on("close", () => {
      prompt?.detach();
      if (!this.closed) options.onInputEnd?.();
    });
    if (prompt) {
      this.lines.on("SIGINT", () => (options.onInterrupt ?? options.onQuit)());
      prompt.attach(this.lines);
      this.lines.prompt();
    }
  }

  /** Stops reading input. Idempotent. */
  close(): void {
    this.closed = true;
    this.options.prompt?.detach();
    this.lines.close();
  }

  /** Handles one line of input. Exposed for tests; never rejects. */
  async handle(line: string): Promise<void> {
    try {
      await this.dispatch(line);
    } catch (error) {
      this.options.printer.error(...describe(error));
    }
  }

  private async dispatch(line: string): Promise<void> {
    const trimmed = line.trim();
    if (trimmed === "") return;
    if (trimmed.startsWith("//")) return this.say(line.replace(/^(\s*)\//, "$1"));
    if (!trimmed.startsWith("/")) return this.say(line);

    const [command, ...args] = trimmed.split(/\s+/) as [string, ...string[]];
    if (!Object.hasOwn(this.commands, command)) {
      this.options.printer.error(`unknown command ${command}; ${CHAT_COMMAND_LIST}`);
      return;
    }
    return this.commands[command as ChatCommandName](line, args);
  }

  private say(text: string): void {
    this.node.broadcast(this.chatPayload(text));
  }

  /**
   * Sends a one-to-one message and reports its fate when the acknowledgement (or the timeout) comes;
   * does not wait for it, so the lines typed meanwhile are handled at once. A target that names no peer
   * or several throws before anything is sent.
   */
  private message(rest: string): void {
    const parsed = parseMsgArgs(rest);
    if (!parsed) {
      this.options.printer.error(MSG_USAGE);
      return;
    }
    const { to } = resolveMsgTarget(parsed.to, this.known.list(), { insecure: this.node.config.security === "none" });
    const { printer } = this.options;
    this.node.send(to, this.chatPayload(parsed.text)).then(
      (id) => printer.delivered({ id, to }),
      (error: unknown) => {
        if (error instanceof UndeliveredError) printer.undelivered({ id: error.messageId, to: error.to, reason: error.reason });
        else printer.error(...describe(error));
      },
    );
  }

  /**
   * `/send PEER TYPE JSON`: checked whole before anything is sent (`send-command.ts`); then one message
   * on the peer's connection, and its replies shown for a while (`ReplyWatch`).
   */
  private sendCommand(rest: string): void {
    const command = parseSendArgs(rest, this.node.config.limits.maxJsonDepth);
    if (isReservedType(command.type, this.node.handledTypes())) throw reservedTypeError(command.type);
    const { to, peer } = resolveMsgTarget(command.to, this.known.list(), { insecure: this.node.config.security === "none" });
    if (!peer?.connected) throw new NotConnectedError(command.to);
    const id = this.node.sendMessage(to, command.type, command.msg);
    this.listenForReplies();
    this.replies.expect(to);
    this.options.printer.sent({ id, to, type: command.type });
  }

  /**
   * Watches every frame for `/send` replies, from the first `/send` on: not before, since a `message`
   * listener makes the node parse and dispatch each duplicate signed frame it could otherwise drop unparsed.
   */
  private listenForReplies(): void {
    if (this.listening) return;
    this.listening = true;
    this.node.on("message", (envelope, peerId) => {
      if (this.replies.isReply(envelope, peerId)) this.options.printer.message({ from: peerId!, envelope });
    });
  }

  private chatPayload(text: string): { text: string; nick?: string } {
    const nick = this.node.config.nick;
    return nick === undefined ? { text } : { text, nick };
  }

  private async join(args: readonly string[]): Promise<void> {
    const address = args.length === 1 ? parseHostPort(args[0]!) : undefined;
    if (!address) {
      this.options.printer.error("usage: /join HOST:PORT, e.g. /join 127.0.0.1:7001 (IPv6 as [::1]:7001)");
      return;
    }
    const peer = await this.node.join(address.host, address.port);
    const dialect = this.node.peers.connected().find((row) => row.id === peer.id)?.dialect;
    this.options.printer.joined(dialect === undefined ? peer : { ...peer, dialect });
  }
}

function describe(error: unknown): [message: string, code?: string] {
  if (error instanceof PeerkitError) return [error.message, error.code];
  return [errorMessage(error)];
}
