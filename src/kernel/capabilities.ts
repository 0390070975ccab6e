/**
 * The narrow interfaces a plugin is given, each under its token (`TOKENS`): what a plugin may do to the
 * node, and no more. None of them can stop the node, close its listener, or rebind a connection a
 * plugin did not receive a message on.
 */
import type { DialOptions } from "../transport/transport.js";
import type { Envelope } from "../base/envelope.js";
import type { PeerInfo, PeerRecord } from "../base/peer.js";
import type { ContextFor, HandlerOptions, TypedHandler } from "./decorators.js";
import type { ConnectionView } from "./message-context.js";
import type { NodeEventMap } from "./node-events.js";

/** Sending to peers, connecting to new ones, and watching connections (`TOKENS.Network`). */
export interface Network {
  /** Sends an envelope to a handshaken peer; false when it is not connected (or its queue is full). */
  send(peerId: string, envelope: Envelope): boolean;
  /**
   * Sends an envelope to every handshaken peer but those in `except` (serialised once); returns how many
   * peers it was sent to.
   */
  sendToAll(envelope: Envelope, except?: Iterable<string | undefined>): number;
  /**
   * Dials an address and resolves once the handshake bound the connection to a peer (at once when a
   * connected peer advertised that address). Rejects with ERR_DIAL_FAILED, ERR_SELF_DIAL or ERR_TIMEOUT.
   */
  connect(host: string, port: number, options?: DialOptions): Promise<PeerRecord>;
  /** Closes the connection of a handshaken peer, with the reason logged and given to `peer:disconnect`; false when not connected. */
  disconnect(peerId: string, reason: string): boolean;
  /** The connection of a handshaken peer, read-only; undefined when it is not connected. */
  connection(peerId: string): ConnectionView | undefined;
  /** The ids of the handshaken peers. */
  peerIds(): string[];
  /** How many dials are in progress (they will take peer slots too). */
  readonly dialsInProgress: number;
  /** Calls `listener` when a connection opens, before its first frame; returns the unsubscribe function. */
  onOpen(listener: (connection: ConnectionView) => void): () => void;
  /**
   * Calls `listener` when a connection closes, with the peer it carried (if any) and why; returns the
   * unsubscribe function.
   */
  onClose(listener: (connection: ConnectionView, peer: PeerInfo | undefined, reason: string) => void): () => void;
}

/** The read-only peer table (`TOKENS.Peers`). Every read returns copies. */
export interface PeerView {
  /** Every known peer, in the order they were added. */
  list(): PeerRecord[];
  /** The peers with an open, handshaken connection. */
  connected(): PeerRecord[];
  /** How many peers are connected. */
  connectedCount(): number;
  /** The peer with this id, or undefined. */
  find(id: string): PeerRecord | undefined;
  /** The peer that advertised this listening address, or undefined. */
  findByAddress(host: string, port: number): PeerRecord | undefined;
  /** Whether a peer with this id is known. */
  has(id: string): boolean;
  /** How many peers are known. */
  readonly size: number;
}

/**
 * The handshake's binding of connections to peers (`TOKENS.Handshake`): only the plugin that performs
 * the handshake (ping) needs it.
 */
export interface Handshake {
  /**
   * Binds a connection (the one a handshake message arrived on) to the peer that identified itself on
   * it. True when it now carries that peer; false when the binding was refused and the connection closed.
   */
  bind(connection: ConnectionView, info: PeerInfo & { nick?: string }): boolean;
  /** Sends an envelope on a connection whether or not it is bound yet (the greeting of a dialled node). */
  sendOn(connection: ConnectionView, envelope: Envelope): boolean;
  /**
   * The far end of a connection not bound yet said why it is closing it (a REFUSED frame's `code`): a
   * dial waiting on it fails with that reason (`ERR_ID_TAKEN` for `ID_TAKEN`). Ignored on a bound
   * connection and for an unknown code.
   */
  refused(connection: ConnectionView, code: string): void;
}

/** Registering handlers at run time (`TOKENS.Handlers`), e.g. for messages only one mode handles. */
export interface Handlers {
  /** Registers a handler, owned by the plugin, with the options of `@handles`; returns the function that removes it. */
  on<T = unknown, R extends boolean = false>(type: string, handler: TypedHandler<T, ContextFor<R>>, options?: HandlerOptions<T, R>): () => void;
  /**
   * Registers how to recognise, by its id (and the signature the copy carries), a signed message of `type`
   * the plugin already has (its seen-cache), or is verifying with that same signature: such a frame arriving on a proven link is dropped before its signed text is parsed and
   * reaches no handler, so use it only when a duplicate needs no handling. Applies only while every
   * handler of `type` belongs to a plugin that registered such a test, and nobody listens to `message`
   * (which sees every frame). Returns the function that removes it.
   */
  known(type: string, isKnown: (id: string, sig: string) => boolean): () => void;
}

/** The node's events as a plugin sees them (`TOKENS.Events`): listen, and emit what the plugin delivers. */
export interface EventBus {
  /** Subscribes to an event. */
  on<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): unknown;
  /** Subscribes to the next occurrence of an event. */
  once<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): unknown;
  /** Unsubscribes a listener. */
  off<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): unknown;
  /**
   * Calls each listener of a delivery event (`broadcast`, `direct`, `test`); one that throws is logged
   * and the others still run. The kernel's own events (`peer:connect`, `peer:disconnect`, `listening`,
   * `message`) are the kernel's to emit: a plugin cannot fake them.
   */
  emit<K extends PluginEvent>(event: K, ...args: NodeEventMap[K]): void;
}

/** The events a plugin may emit: deliveries to the application. */
export type PluginEvent = "broadcast" | "direct" | "test";
