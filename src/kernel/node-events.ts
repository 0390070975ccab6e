/** The events a node emits to applications, with their payload types. */
import { EventEmitter } from "node:events";
import type { Address } from "../transport/transport.js";
import type { Envelope } from "../base/envelope.js";
import type { LinkedPeer } from "../base/peer.js";
import type { EventBus } from "./capabilities.js";

/** A broadcast delivered to this node (once per message id). */
export interface BroadcastEvent {
  id: string;
  originator: string;
  msg: unknown;
  envelope: Envelope;
  /**
   * True when the originator is a plaintext legacy peer, heard by this node: on a secure node its line
   * is delivered here and re-published under this node's signature (see `LegacyRelay`).
   */
  legacy?: boolean;
}

/**
 * The payload a secure node re-publishes, under its own signature, for a broadcast it heard from a
 * plaintext legacy peer: the legacy peer's id and its payload, labelled so every reader knows the
 * line is relayed and vouched for only by the signer.
 */
export interface LegacyRelay {
  relayedFrom: string;
  legacy: true;
  msg: unknown;
}

/** A one-to-one (DIRECT) message delivered to this node, its destination (once per message id). */
export interface DirectEvent {
  id: string;
  originator: string;
  msg: unknown;
  envelope: Envelope;
}

/** A TEST message delivered to this node. */
export interface TestEvent {
  originator: string;
  msg: unknown;
  envelope: Envelope;
}

/** Event name → listener arguments. */
export interface NodeEventMap {
  /** The listener is bound. */
  listening: [address: Address];
  /** A peer completed its handshake; `peer.dialect` is set when its connection speaks another wire than peerkit's own. */
  "peer:connect": [peer: LinkedPeer];
  /** A handshaken peer's connection closed; `peer.dialect` as in `peer:connect`. */
  "peer:disconnect": [peer: LinkedPeer, reason: string];
  /** Any valid message arrived (before its handlers run). */
  message: [envelope: Envelope, peerId: string | undefined];
  /** A broadcast was delivered here (once per id). */
  broadcast: [event: BroadcastEvent];
  /** A DIRECT message addressed to this node was delivered here (once per id). */
  direct: [event: DirectEvent];
  /** A TEST message was delivered here. */
  test: [event: TestEvent];
}

/**
 * The node's typed event emitter. A listener that throws is caught and logged by the emitter's owner
 * (see `NodeEvents.emit`), never allowed to break the node. Plugins get it as an `EventBus`
 * (`TOKENS.Events`), without `clear()` and the error handler.
 */
export class NodeEvents implements EventBus {
  private readonly emitter = new EventEmitter();
  private onListenerError: (event: string, error: unknown) => void = () => {};

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Sets what happens when a listener throws (the kernel logs it). */
  setErrorHandler(handler: (event: string, error: unknown) => void): void {
    this.onListenerError = handler;
  }

  on<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Calls each listener of `event`; a throwing listener is reported and the others still run. */
  emit<K extends keyof NodeEventMap>(event: K, ...args: NodeEventMap[K]): void {
    // `message` fires for every frame: skip the listener copy when nobody listens.
    if (this.emitter.listenerCount(event) === 0) return;
    for (const listener of this.emitter.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }

  /** Whether `event` has a listener. */
  listens(event: keyof NodeEventMap): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  /** Removes every listener (at shutdown). */
  clear(): void {
    this.emitter.removeAllListeners();
  }
}
