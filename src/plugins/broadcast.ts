/**
 * The broadcast plugin: flooding. A BROADCAST is delivered to the application once per `id`, then
 * forwarded with `ttl - 1` to every peer but the one it came from (and its originator), while the
 * decremented ttl is above 0. Duplicates are recognised by a bounded `SeenCache`.
 */
import { inject } from "tsyringe";
import type { Clock } from "../kernel/clock.js";
import type { NodeConfig } from "../kernel/config.js";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../kernel/envelope.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { MessageContext } from "../kernel/message-context.js";
import type { NodeEvents } from "../kernel/node-events.js";
import { SeenCache } from "../kernel/seen-cache.js";
import { TOKENS } from "../kernel/tokens.js";

/** Another identity of a broadcast than its id, or undefined when it has none. */
export type DuplicateKey = (envelope: Envelope) => string | undefined;

/** BROADCAST: flood a message to every node of the network, each delivering it once. */
@plugin({ name: "broadcast" })
export class BroadcastPlugin {
  /** The ids already delivered or sent; bounded by `limits.seenCacheSize` and `limits.seenCacheTtlMs`. */
  readonly seen: SeenCache;
  private readonly duplicateKeys = new Set<DuplicateKey>();

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: NodeEvents,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
  ) {
    this.seen = new SeenCache(config.limits.seenCacheSize, config.limits.seenCacheTtlMs);
  }

  /** Forgets the seen ids. */
  stop(): void {
    this.seen.clear();
    this.duplicateKeys.clear();
  }

  /**
   * Adds a second identity for broadcasts: a message whose key was seen counts as a duplicate even
   * under another id. The legacy plugin uses it so that one message crossing between peerkit and the
   * original Python peers (which know no ids) is delivered once. Returns the function that removes it.
   */
  addDuplicateKey(key: DuplicateKey): () => void {
    this.duplicateKeys.add(key);
    return () => this.duplicateKeys.delete(key);
  }

  /**
   * Sends a new broadcast to every connected peer; returns its message id. The sending node does not
   * deliver its own broadcast to itself.
   */
  broadcast(msg: unknown): string {
    const id = this.self.newMessageId();
    const envelope = this.self.envelope("BROADCAST", msg, { id, ttl: this.config.limits.broadcastTtl });
    this.isNew(envelope);
    this.connections.sendToAll(envelope);
    return id;
  }

  /** Deliver once, then forward to every other peer while hops are left. */
  @handles("BROADCAST")
  onBroadcast(envelope: Envelope, context: MessageContext): void {
    if (context.peerId === undefined) {
      context.reject("BROADCAST before the handshake");
      return;
    }
    if (!this.isNew(envelope) || envelope.originator === this.self.id) return;
    // The envelope check guarantees an id on BROADCAST.
    const id = envelope.id!;
    this.events.emit("broadcast", { id, originator: envelope.originator, msg: envelope.msg, envelope });
    const ttl = Math.min(envelope.ttl ?? this.config.limits.broadcastTtl, this.config.limits.broadcastTtl) - 1;
    if (ttl <= 0) return;
    this.connections.sendToAll({ ...envelope, ttl }, context.connection, this.connections.connectionOf(envelope.originator));
  }

  /** Records the envelope's id and extra keys; false when any of them was seen already. */
  private isNew(envelope: Envelope): boolean {
    const now = this.clock.now();
    if (!this.seen.add(envelope.id!, now)) return false;
    let fresh = true;
    for (const keyOf of this.duplicateKeys) {
      const key = keyOf(envelope);
      if (key !== undefined && key !== envelope.id && !this.seen.add(key, now)) fresh = false;
    }
    return fresh;
  }
}
