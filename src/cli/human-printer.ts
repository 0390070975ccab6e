/** Output for a person: the `EventPrinter` that writes lines a terminal shows safely (`peerkit start`). */
import type { Address } from "../transport/transport.js";
import type { BroadcastEvent, DirectEvent, TestEvent } from "../kernel/node-events.js";
import type { Envelope } from "../base/envelope.js";
import { isNick, type LinkedPeer, type PeerRecord } from "../base/peer.js";
import { sanitizeText } from "../base/safe-text.js";
import { isLegacyMessage, NO_PEERS, type PeerDirectory } from "./known-peers.js";
import { shownName } from "./peer-names.js";
import { asChatLine, asLegacyRelay, legacyTag } from "./event-shapes.js";
import type { PluginTypes } from "../node/peer-node.js";
import type { Delivered, EventPrinter, NodeIdentity, ReplyFrame, Sent, TextSink, Undelivered } from "./output.js";

/**
 * For a person: events on `out`, command errors on `err`. Chat lines read `<alice (pk_25njqamc)> hello`,
 * or `<pk_25njqamc> hello` without a nick; one-to-one lines `<alice (pk_25njqamc)> [private] hello`.
 * A key-derived id is shown abbreviated, as its shortest unique prefix among the known peers
 * (`abbreviatePeerId`), except in `[listening]` (this node's own id, to give to others) and `/peers`
 * (the full ids). `[legacy]` follows the name of a legacy peer, and of the sender of a message that came
 * over the legacy wire (`isLegacyMessage`): `<py-5001 [legacy]> hi`.
 *
 * Nothing a peer sends can forge that prefix or rewrite the terminal:
 * - text (chat lines, reasons, messages) loses its control, format and separator characters
 *   (`sanitizeText`): no escape sequence, no line break, no bidi reordering, no zero-width character;
 * - a nick is shown only when it is a valid nick (`isNick`: at most 32 letters, digits, symbols, `_.-`,
 *   so no space, bracket, `<`, `>` or parenthesis); any other nick, a 300-character one included, is
 *   not shown and the line reads `<id> text`;
 * - an id or host of anything but `[A-Za-z0-9_.:/@-]` is shown as a JSON string, its unsafe characters
 *   as `\uXXXX` escapes (`shownName`): `<"bob (3f2a)"> hi` cannot pass for bob's line, nor `"bob\u200b"`
 *   for `bob` (removing the zero-width character would have made the two ids look the same); only a
 *   key-derived id, which is plain, is ever abbreviated, so no cut can fall inside an escape;
 * - any other JSON payload is shown as JSON, escaped the same way.
 */
export class HumanPrinter implements EventPrinter {
  constructor(
    private readonly out: TextSink,
    private readonly err: TextSink,
    private readonly now: () => number = Date.now,
    private readonly directory: PeerDirectory = NO_PEERS,
  ) {}

  listening(self: NodeIdentity, address: Address): void {
    this.line(`[listening] id=${shownName(self.id)} ${shownName(address.host)}:${address.port}`);
  }
  peerConnect(peer: LinkedPeer): void {
    this.line(`[connect] ${this.describePeer(peer)}`);
  }
  peerDisconnect(peer: LinkedPeer, reason: string): void {
    this.line(`[disconnect] ${this.describePeer(peer)} (${sanitizeText(reason)})`);
  }
  broadcast(event: BroadcastEvent): void {
    this.chatOr("broadcast", "", event.envelope, event.msg);
  }
  test(event: TestEvent): void {
    this.line(`[test] from ${this.sender(event.envelope)}: ${json(event.msg)}`);
  }
  direct(event: DirectEvent): void {
    this.chatOr("direct", "[private] ", event.envelope, event.msg);
  }
  delivered(outcome: Delivered): void {
    this.line(`[delivered] ${shownName(outcome.id)} to ${this.who(outcome.to, this.directory.nickOf(outcome.to))}`);
  }
  undelivered(outcome: Undelivered): void {
    this.line(`[undelivered] ${shownName(outcome.id)} to ${this.who(outcome.to, this.directory.nickOf(outcome.to))}: ${sanitizeText(outcome.reason)}`);
  }
  sent(outcome: Sent): void {
    this.line(`[sent] ${outcome.type} ${shownName(outcome.id)} to ${this.who(outcome.to, this.directory.nickOf(outcome.to))}`);
  }
  message(frame: ReplyFrame): void {
    const { envelope } = frame;
    // `from` is the peer the connection proved; an `originator` that differs is the frame's claim,
    // which nothing verified for a type no plugin here handles.
    const origin = envelope.originator === frame.from ? "" : ` (claims originator ${shownName(envelope.originator)}, unverified)`;
    this.line(`[message] ${shownName(envelope.msg_type)} from ${this.who(frame.from, this.directory.nickOf(frame.from))}${origin}: ${json(envelope.msg)}`);
  }
  plugins(plugins: readonly PluginTypes[]): void {
    this.line(`[plugins] ${plugins.length} loaded:`);
    for (const { plugin, types } of plugins) this.line(`  ${shownName(plugin)}: ${types.length === 0 ? "(no message types)" : types.map(shownName).join(", ")}`);
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
      this.line(`  ${shownName(peer.id)}${legacyTag(peer)} ${shownName(peer.host)}:${peer.port}${nick}${seen}`);
    }
  }
  joined(peer: LinkedPeer): void {
    this.line(`[joined] ${this.describePeer(peer)}`);
  }
  error(message: string, code?: string): void {
    this.err.write(`[error] ${linesFor(message)}${code === undefined ? "" : ` (${sanitizeText(code)})`}\n`);
  }
  notice(message: string): void {
    this.err.write(`${linesFor(message)}\n`);
  }

  /**
   * A chat payload as `<who> {tag}text`; a legacy peer's line re-published by a secure node as
   * `<signer> [relayed from py-5001 [legacy]] text`; any other JSON as `[kind] from id: json`.
   */
  private chatOr(kind: string, tag: string, envelope: Envelope, msg: unknown): void {
    const relay = asLegacyRelay(msg);
    const relayed = relay && asChatLine(relay.msg);
    if (relay && relayed) {
      this.line(`<${this.sender(envelope)}> ${tag}[relayed from ${shownName(relay.relayedFrom)} [legacy]] ${sanitizeText(relayed.text)}`);
      return;
    }
    const chat = asChatLine(msg);
    if (chat) {
      this.line(`<${this.sender(envelope, chat.nick)}> ${tag}${sanitizeText(chat.text)}`);
    } else {
      this.line(`[${kind}] from ${this.sender(envelope)}: ${json(msg)}`);
    }
  }

  /** A message's originator: `nick (id)` or `id`, then ` [legacy]` when the message came over the legacy wire. */
  private sender(envelope: Envelope, nick?: string): string {
    return `${this.who(envelope.originator, nick)}${isLegacyMessage(envelope, this.directory) ? " [legacy]" : ""}`;
  }

  /** `nick (id)` when the nick is a valid one, else `id`; the id abbreviated. */
  private who(id: string, nick: string | undefined): string {
    const name = this.name(id);
    return isNick(nick) ? `${nick} (${name})` : name;
  }

  /** `id [legacy] host:port nick=…`: the id abbreviated, the nick the one its handshake gave. */
  private describePeer(peer: LinkedPeer): string {
    const nick = this.directory.nickOf(peer.id);
    return `${this.name(peer.id)}${legacyTag(peer)} ${shownName(peer.host)}:${peer.port}${nick === undefined ? "" : ` nick=${nick}`}`;
  }

  /** An id for a person: abbreviated when unambiguous, then made safe to print. */
  private name(id: string): string {
    return shownName(this.directory.abbreviate(id));
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

/** Any JSON value on one line, for a person, unsafe characters escaped. */
function json(value: unknown): string {
  // JSON.stringify recurses: payloads from the network are at most limits.maxJsonDepth deep (parseEnvelope).
  return sanitizeText(JSON.stringify(value) ?? "null", "escape");
}

/** A message of one or more lines with each line's unsafe characters removed (the line breaks kept). */
export function linesFor(message: string): string {
  return message.split("\n").map((line) => sanitizeText(line)).join("\n");
}
