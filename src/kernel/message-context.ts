/** What a message handler receives besides the envelope, and the read-only view of a connection. */
import type { Address, ConnectionStats, Dialect } from "../transport/transport.js";
import type { Envelope } from "../base/envelope.js";

/**
 * Optional routing fields for `reply` and `envelope`; one left out or `undefined` is not set (so
 * `{ id: envelope.id }` compiles under `exactOptionalPropertyTypes` too).
 */
export type EnvelopeExtras = { [K in "id" | "to" | "ttl"]?: Envelope[K] | undefined };

/**
 * A read-only view of one connection, as plugins see it: who is at the other end and how it is doing.
 * It cannot send, close or rebind; the same connection always gives the same view object, so views can
 * be compared and used as map keys.
 */
export interface ConnectionView {
  /** Unique among this node's connections, e.g. `tcp-7`. */
  readonly id: string;
  /** `outbound` when this node dialled, `inbound` when the remote did. */
  readonly direction: "inbound" | "outbound";
  /** The wire format spoken on it. */
  readonly dialect: Dialect;
  /** Its far end answers one request with several messages (one per entry): see `Connection.splitsReplies`. */
  readonly splitsReplies: boolean;
  /** The remote end's address as the socket sees it (for inbound links, an ephemeral port). */
  readonly remote: Readonly<Address>;
  /** The peer the handshake bound it to; undefined before the handshake. */
  readonly peerId: string | undefined;
  /** The peer id its far end proved by its key (protocol v2); undefined on a plaintext link. */
  readonly provenPeerId: string | undefined;
  /** True once it is closed, from either side. */
  readonly closed: boolean;
  /** Its counters. */
  stats(): ConnectionStats;
}

/** The context of one received message: where it came from and how to answer it. */
export interface MessageContext {
  /** The connection the message arrived on (read-only). */
  readonly connection: ConnectionView;
  /** The id of the peer bound to that connection by the handshake; undefined before it. */
  readonly peerId: string | undefined;
  /** Sends a new envelope from this node back over the same connection. False when it is closed. */
  reply(type: string, msg: unknown, extras?: EnvelopeExtras): boolean;
  /**
   * Sends `envelope` as it is (a relayed copy) to every handshaken peer but the one it came from, and
   * but the peers in `except`; returns how many peers it was sent to.
   */
  forward(envelope: Envelope, except?: Iterable<string>): number;
  /** Rejects the message as unacceptable: logged with the peer and reason, counted as a bad frame. */
  reject(reason: string): void;
}

/** The context of a handler registered with `requirePeer: true`: the handshake has happened. */
export interface PeerMessageContext extends MessageContext {
  /** The id of the handshaken peer the message came from. */
  readonly peerId: string;
}
