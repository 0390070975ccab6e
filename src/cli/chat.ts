/**
 * The chat prompt: standard input, one line at a time. A plain line is broadcast as `{ text, nick? }`;
 * a line starting with `/` is a command; `/msg PEER TEXT` sends `{ text, nick? }` to one node (PEER: an id,
 * an id prefix or a nick, see `msg-command.ts`). End of
 * input only stops reading: the node keeps running, so `peerkit start < /dev/null &` works as a daemon.
 */
import { createInterface, type Interface } from "node:readline";
import type { Readable } from "node:stream";
import { parseHostPort } from "../base/host-port.js";
import { PeerkitError, UndeliveredError } from "../base/errors.js";
import type { PeerInfo, PeerRecord } from "../base/peer.js";
import { MSG_USAGE, parseMsgArgs, resolveMsgTarget } from "./msg-command.js";
import { KnownPeers } from "./known-peers.js";
import type { EventPrinter } from "./output.js";
import { errorMessage } from "../base/error-message.js";

/** The chat commands, as `/help` and an unknown command list them. */
export const CHAT_HELP =
  "commands: /join HOST:PORT, /msg PEER TEXT (PEER: an id, its prefix as shown, or a nick), /peers, /quit, /help; any other line is sent to everyone (start it with // to send a leading /)";

/** The part of a node the chat drives. */
export interface ChatNode {
  readonly config: { readonly nick?: string; readonly security: "tls" | "none" };
  readonly peers: { connected(): PeerRecord[] };
  join(host: string, port: number): Promise<PeerInfo>;
  broadcast(msg: unknown): string;
  send(peerId: string, msg: unknown): Promise<string>;
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
}

/**
 * Reads chat lines from `input` and acts on them. Every failure is reported to the printer; nothing
 * thrown here escapes as an unhandled rejection.
 */
export class ChatSession {
  private readonly lines: Interface;
  private readonly known: KnownPeers;
  private closed = false;

  constructor(
    private readonly node: ChatNode,
    private readonly options: ChatOptions,
  ) {
    this.known = options.known ?? new KnownPeers(node.peers);
    this.lines = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
    this.lines.on("line", (line) => void this.handle(line));
    this.lines.on("close", () => {
      if (!this.closed) options.onInputEnd?.();
    });
  }

  /** Stops reading input. Idempotent. */
  close(): void {
    this.closed = true;
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

    const [command, ...args] = trimmed.split(/\s+/);
    switch (command) {
      case "/join":
        return this.join(args);
      case "/msg":
        // The text keeps its spacing, so it is cut from the line itself, not from the split words.
        this.message(line.trimStart().slice(command.length));
        return;
      case "/peers":
        this.options.printer.peers(this.node.peers.connected());
        return;
      case "/quit":
        this.options.onQuit();
        return;
      case "/help":
        this.options.printer.notice(CHAT_HELP);
        return;
      default:
        this.options.printer.error(`unknown command ${command}; ${CHAT_HELP}`);
    }
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
