/** What a message handler receives besides the envelope. */
import type { Connection } from "../transport/transport.js";
import type { Envelope } from "../base/envelope.js";

/** Optional routing fields for `reply`. */
export type EnvelopeExtras = Pick<Envelope, "id" | "to" | "ttl">;

/** The context of one received message: where it came from and how to answer. */
export interface MessageContext {
  /** The connection the message arrived on. */
  readonly connection: Connection;
  /** The id of the peer bound to that connection by the handshake; undefined before it. */
  readonly peerId: string | undefined;
  /** Sends a new envelope from this node back over the same connection. False when it is closed. */
  reply(type: string, msg: unknown, extras?: EnvelopeExtras): boolean;
  /** Rejects the message as unacceptable: logged with the peer and reason, counted as a bad frame. */
  reject(reason: string): void;
}
