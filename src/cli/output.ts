/**
 * What `peerkit start` prints: node events and answers to chat commands, either as one JSON object per
 * line (`--json`, `JsonPrinter` in json-printer.ts) or as lines for a person (`HumanPrinter` in
 * human-printer.ts). This file holds what both printers implement. Logs never pass through here; they go
 * to stderr via the logger.
 */
import type { Address } from "../transport/transport.js";
import type { BroadcastEvent, DirectEvent, TestEvent } from "../kernel/node-events.js";
import type { Envelope } from "../base/envelope.js";
import type { LinkedPeer, PeerRecord } from "../base/peer.js";
import type { PluginTypes } from "../node/peer-node.js";

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
  peerConnect(peer: LinkedPeer): void;
  /** A peer's connection closed. */
  peerDisconnect(peer: LinkedPeer, reason: string): void;
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
  /** A message sent by `/send` went out on the peer's connection. */
  sent(outcome: Sent): void;
  /** A frame that came back after a `/send` (see `ReplyWatch`). */
  message(frame: ReplyFrame): void;
  /** The answer to `/peers`. */
  peers(peers: readonly PeerRecord[]): void;
  /** The answer to `/plugins`: the loaded plugins and the message types each handles. */
  plugins(plugins: readonly PluginTypes[]): void;
  /** The answer to a successful `/join`. */
  joined(peer: LinkedPeer): void;
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

/** The outcome of `/send`: the message id, the peer it went to, its type. */
export interface Sent {
  id: string;
  to: string;
  type: string;
}

/** A frame shown as a reply to `/send`: the peer whose connection carried it, and the frame. */
export interface ReplyFrame {
  from: string;
  envelope: Envelope;
}

export { JsonPrinter } from "./json-printer.js";
export { HumanPrinter, linesFor } from "./human-printer.js";
export { asChatLine, type PeerObject, type PeerRow } from "./event-shapes.js";
