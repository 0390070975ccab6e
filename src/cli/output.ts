/**
 * What `peerkit start` prints: node events and answers to chat commands, either as one JSON object per
 * line (`--json`) or as lines for a person. Logs never pass through here; they go to stderr via the logger.
 */
import type { Address } from "../transport/transport.js";
import type { BroadcastEvent, DirectEvent, TestEvent } from "../kernel/node-events.js";
import { isNick, type PeerInfo, type PeerRecord } from "../base/peer.js";
import { sanitizeText } from "../base/safe-text.js";

/** A stream the printers write to: `process.stdout`, `process.stderr`, or a buffer in a test. */
export interface TextSink {
  write(chunk: string): unknown;
}

/** The printers' view of the node itself. */
export interface NodeIdentity {
  id: string;
}

/** Receives everything the CLI shows while a node runs. */
export interface EventPrinter {
  /** The listener is bound. */
  listening(self: NodeIdentity, address: Address): void;
  /** A peer completed its handshake. */
  peerConnect(peer: PeerInfo): void;
  /** A peer's connection closed. */
  peerDisconnect(peer: PeerInfo, reason: string): void;
  /** A broadcast (a chat line, or any JSON another program sent) was delivered. */
  broadcast(event: BroadcastEvent): void;
  /** A TEST message was delivered. */
  test(event: TestEvent): void;
  /** A one-to-one message addressed to this node was delivered. */
  direct(event: DirectEvent): void;
  /** A one-to-one message sent by `/msg` was acknowledged by its destination. */
  delivered(outcome: Delivered): void;
  /** A one-to-one message sent by `/msg` was not acknowledged in time, or had nowhere to go. */
  undelivered(outcome: Undelivered): void;
  /** The answer to `/peers`. */
  peers(peers: readonly PeerRecord[]): void;
  /** The answer to a successful `/join`. */
  joined(peer: PeerInfo): void;
  /** A chat command failed or was not understood. */
  error(message: string, code?: string): void;
  /** Information for the user, such as the answer to `/help`. */
  notice(message: string): void;
}

/** The outcome of `/msg` when the destination acknowledged it. */
export interface Delivered {
  /** The message id, the same as in the destination's `direct` event. */
  id: string;
  /** The destination peer id. */
  to: string;
}

/** The outcome of `/msg` when it failed with ERR_UNDELIVERED. */
export interface Undelivered extends Delivered {
  /** Why: the error's message. */
  reason: string;
}

/** The `/peers` row: what the JSON `peers` event carries for each peer. */
export interface PeerRow {
  id: string;
  host: string;
  port: number;
  nick?: string;
  lastSeen: number;
}

/**
 * `--json`: exactly one JSON object per line on `out`, nothing else. The data is kept as it came: a
 * program reading the stream gets every character a peer sent, but control, format and separator
 * characters (C1, bidi overrides, zero-width...) are written as `\uXXXX` escapes, which
 * `JSON.stringify` alone leaves raw, so that the stream is safe on a terminal too. Answers to chat commands are events
 * too (`joined`, `error`, `notice`), so that a program driving stdin reads every answer from the same stream;
 * only fatal start-up errors go to stderr (the process then exits non-zero).
 */
export class JsonPrinter implements EventPrinter {
  constructor(private readonly out: TextSink) {}

  listening(self: NodeIdentity, address: Address): void {
    this.emit({ event: "listening", id: self.id, host: address.host, port: address.port });
  }
  peerConnect(peer: PeerInfo): void {
    this.emit({ event: "peer:connect", peer: peerInfo(peer) });
  }
  peerDisconnect(peer: PeerInfo, reason: string): void {
    this.emit({ event: "peer:disconnect", peer: peerInfo(peer), reason });
  }
  broadcast(event: BroadcastEvent): void {
    this.emit({ event: "broadcast", id: event.id, originator: event.originator, msg: event.msg });
  }
  test(event: TestEvent): void {
    this.emit({ event: "test", originator: event.originator, msg: event.msg });
  }
  direct(event: DirectEvent): void {
    this.emit({ event: "direct", id: event.id, originator: event.originator, msg: event.msg });
  }
  delivered(outcome: Delivered): void {
    this.emit({ event: "delivered", id: outcome.id, to: outcome.to });
  }
  undelivered(outcome: Undelivered): void {
    this.emit({ event: "undelivered", id: outcome.id, to: outcome.to, reason: outcome.reason });
  }
  peers(peers: readonly PeerRecord[]): void {
    this.emit({ event: "peers", peers: peers.map(peerRow) });
  }
  joined(peer: PeerInfo): void {
    this.emit({ event: "joined", peer: peerInfo(peer) });
  }
  error(message: string, code?: string): void {
    this.emit(code === undefined ? { event: "error", message } : { event: "error", message, code });
  }
  notice(message: string): void {
    this.emit({ event: "notice", message });
  }

  private emit(value: Record<string, unknown>): void {
    // JSON.stringify recurses: payloads from the network are at most limits.maxJsonDepth deep (parseEnvelope).
    this.out.write(`${sanitizeText(JSON.stringify(value), "escape")}\n`);
  }
}

/**
 * For a person: events on `out`, command errors on `err`. Chat lines read `<alice (3f2a…)> hello`, or
 * `<3f2a…> hello` without a nick; one-to-one lines `<alice (3f2a…)> [private] hello`.
 *
 * Nothing a peer sends can forge that prefix or rewrite the terminal:
 * - text (chat lines, reasons, messages) loses its control, format and separator characters
 *   (`sanitizeText`): no escape sequence, no line break, no bidi reordering, no zero-width character;
 * - a nick is shown only when it is a valid nick (`isNick`: at most 32 letters, digits, symbols, `_.-`,
 *   so no space, bracket, `<`, `>` or parenthesis); any other nick, a 300-character one included, is
 *   not shown and the line reads `<id> text`;
 * - an id or host of anything but `[A-Za-z0-9_.:/@-]` is shown as a JSON string, its unsafe characters
 *   as `\uXXXX` escapes: `<"bob (3f2a)"> hi` cannot pass for bob's line, nor `"bob\u200b"` for `bob`
 *   (removing the zero-width character would have made the two ids look the same);
 * - any other JSON payload is shown as JSON, escaped the same way.
 */
export class HumanPrinter implements EventPrinter {
  constructor(
    private readonly out: TextSink,
    private readonly err: TextSink,
    private readonly now: () => number = Date.now,
  ) {}

  listening(self: NodeIdentity, address: Address): void {
    this.line(`[listening] id=${shownName(self.id)} ${shownName(address.host)}:${address.port}`);
  }
  peerConnect(peer: PeerInfo): void {
    this.line(`[connect] ${describePeer(peer)}`);
  }
  peerDisconnect(peer: PeerInfo, reason: string): void {
    this.line(`[disconnect] ${describePeer(peer)} (${sanitizeText(reason)})`);
  }
  broadcast(event: BroadcastEvent): void {
    this.chatOr("broadcast", "", event.originator, event.msg);
  }
  test(event: TestEvent): void {
    this.line(`[test] from ${shownName(event.originator)}: ${json(event.msg)}`);
  }
  direct(event: DirectEvent): void {
    this.chatOr("direct", "[private] ", event.originator, event.msg);
  }
  delivered(outcome: Delivered): void {
    this.line(`[delivered] ${shownName(outcome.id)} to ${shownName(outcome.to)}`);
  }
  undelivered(outcome: Undelivered): void {
    this.line(`[undelivered] ${shownName(outcome.id)} to ${shownName(outcome.to)}: ${sanitizeText(outcome.reason)}`);
  }
  peers(peers: readonly PeerRecord[]): void {
    if (peers.length === 0) {
      this.line("[peers] none connected");
      return;
    }
    this.line(`[peers] ${peers.length} connected:`);
    for (const peer of peers) {
      const seen = peer.lastSeen > 0 ? `, last seen ${Math.max(0, Math.round((this.now() - peer.lastSeen) / 1000))}s ago` : "";
      const nick = isNick(peer.nick) ? ` nick=${peer.nick}` : "";
      this.line(`  ${describePeer(peer)}${nick}${seen}`);
    }
  }
  joined(peer: PeerInfo): void {
    this.line(`[joined] ${describePeer(peer)}`);
  }
  error(message: string, code?: string): void {
    this.err.write(`[error] ${linesFor(message)}${code === undefined ? "" : ` (${sanitizeText(code)})`}\n`);
  }
  notice(message: string): void {
    this.err.write(`${linesFor(message)}\n`);
  }

  /** A chat payload as `<who> {tag}text`; any other JSON as `[kind] from id: json`. */
  private chatOr(kind: string, tag: string, originator: string, msg: unknown): void {
    const chat = asChatLine(msg);
    if (chat) {
      const who = isNick(chat.nick) ? `${chat.nick} (${shownName(originator)})` : shownName(originator);
      this.line(`<${who}> ${tag}${sanitizeText(chat.text)}`);
    } else {
      this.line(`[${kind}] from ${shownName(originator)}: ${json(msg)}`);
    }
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

/** A chat payload `{ text, nick? }`, or undefined when `msg` is some other JSON. */
export function asChatLine(msg: unknown): { text: string; nick?: string } | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return undefined;
  const { text, nick } = msg as { text?: unknown; nick?: unknown };
  if (typeof text !== "string") return undefined;
  return typeof nick === "string" && nick !== "" ? { text, nick } : { text };
}

function peerInfo(peer: PeerInfo): PeerInfo {
  return { id: peer.id, host: peer.host, port: peer.port };
}

function peerRow(peer: PeerRecord): PeerRow {
  const row: PeerRow = { id: peer.id, host: peer.host, port: peer.port, lastSeen: peer.lastSeen };
  if (peer.nick !== undefined) row.nick = peer.nick;
  return row;
}

function describePeer(peer: PeerInfo): string {
  return `${shownName(peer.id)} ${shownName(peer.host)}:${peer.port}`;
}

/** Any JSON value on one line, for a person, unsafe characters escaped. */
function json(value: unknown): string {
  // JSON.stringify recurses: payloads from the network are at most limits.maxJsonDepth deep (parseEnvelope).
  return sanitizeText(JSON.stringify(value) ?? "null", "escape");
}

/** A message of ours, which may span lines (the help) and quote what a peer or user sent: cleaned line by line. */
/** A message of one or more lines with each line's unsafe characters removed (the line breaks kept). */
export function linesFor(message: string): string {
  return message.split("\n").map((line) => sanitizeText(line)).join("\n");
}

const PLAIN_NAME = /^[\w.:/@-]+$/;

/** An id or host for a person: as it is when plain, else as a JSON string with unsafe characters escaped. */
function shownName(name: string): string {
  return PLAIN_NAME.test(name) ? name : sanitizeText(JSON.stringify(name), "escape");
}
