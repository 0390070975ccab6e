/** `--json` output: the `EventPrinter` that writes one JSON object per line (`peerkit start --json`). */
import type { Address } from "../transport/transport.js";
import type { BroadcastEvent, DirectEvent, TestEvent } from "../kernel/node-events.js";
import type { Envelope } from "../base/envelope.js";
import type { LinkedPeer, PeerRecord } from "../base/peer.js";
import { sanitizeText } from "../base/safe-text.js";
import { isLegacyMessage, NO_PEERS, type PeerDirectory } from "./known-peers.js";
import { peerObject, peerRow } from "./event-shapes.js";
import type { PluginTypes } from "../node/peer-node.js";
import type { Delivered, EventPrinter, NodeIdentity, ReplyFrame, Sent, TextSink, Undelivered } from "./output.js";

/**
 * `--json`: exactly one JSON object per line on `out`, nothing else. The data is kept as it came: a
 * program reading the stream gets every character a peer sent, but control, format and separator
 * characters (C1, bidi overrides, zero-width...) are written as `\uXXXX` escapes, which
 * `JSON.stringify` alone leaves raw, so that the stream is safe on a terminal too. Answers to chat commands are events
 * too (`joined`, `error`, `notice`), so that a program driving stdin reads every answer from the same stream;
 * only fatal start-up errors go to stderr (the process then exits non-zero).
 *
 * Ids are always whole. A legacy peer (connected over the legacy dialect) carries `"legacy": true`, and
 * so does a message that came over the legacy wire (`isLegacyMessage`).
 */
export class JsonPrinter implements EventPrinter {
  constructor(
    private readonly out: TextSink,
    private readonly directory: PeerDirectory = NO_PEERS,
  ) {}

  listening(self: NodeIdentity, address: Address): void {
    this.emit({ event: "listening", id: self.id, host: address.host, port: address.port });
  }
  peerConnect(peer: LinkedPeer): void {
    this.emit({ event: "peer:connect", peer: peerObject(peer) });
  }
  peerDisconnect(peer: LinkedPeer, reason: string): void {
    this.emit({ event: "peer:disconnect", peer: peerObject(peer), reason });
  }
  broadcast(event: BroadcastEvent): void {
    this.emit(this.legacyMark({ event: "broadcast", id: event.id, originator: event.originator, msg: event.msg }, event.envelope));
  }
  test(event: TestEvent): void {
    this.emit(this.legacyMark({ event: "test", originator: event.originator, msg: event.msg }, event.envelope));
  }
  direct(event: DirectEvent): void {
    this.emit(this.legacyMark({ event: "direct", id: event.id, originator: event.originator, msg: event.msg }, event.envelope));
  }
  delivered(outcome: Delivered): void {
    this.emit({ event: "delivered", id: outcome.id, to: outcome.to });
  }
  undelivered(outcome: Undelivered): void {
    this.emit({ event: "undelivered", id: outcome.id, to: outcome.to, reason: outcome.reason });
  }
  sent(outcome: Sent): void {
    this.emit({ event: "sent", id: outcome.id, to: outcome.to, type: outcome.type });
  }
  message(frame: ReplyFrame): void {
    const { envelope } = frame;
    const event: Record<string, unknown> = { event: "message", from: frame.from, type: envelope.msg_type, originator: envelope.originator, msg: envelope.msg };
    if (envelope.id !== undefined) event.id = envelope.id;
    this.emit(event);
  }
  peers(peers: readonly PeerRecord[]): void {
    this.emit({ event: "peers", peers: peers.map(peerRow) });
  }
  plugins(plugins: readonly PluginTypes[]): void {
    this.emit({ event: "plugins", plugins: plugins.map(({ plugin, types }) => ({ name: plugin, types: [...types] })) });
  }
  joined(peer: LinkedPeer): void {
    this.emit({ event: "joined", peer: peerObject(peer) });
  }
  error(message: string, code?: string): void {
    this.emit(code === undefined ? { event: "error", message } : { event: "error", message, code });
  }
  notice(message: string): void {
    this.emit({ event: "notice", message });
  }

  private legacyMark(value: Record<string, unknown>, envelope: Envelope): Record<string, unknown> {
    return isLegacyMessage(envelope, this.directory) ? { ...value, legacy: true } : value;
  }

  private emit(value: Record<string, unknown>): void {
    // JSON.stringify recurses: payloads from the network are at most limits.maxJsonDepth deep (parseEnvelope).
    this.out.write(`${sanitizeText(JSON.stringify(value), "escape")}\n`);
  }
}
