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

/** BROADCAST: flood a message to every node of the network, each delivering it once. */
@plugin({ name: "broadcast" })
export class BroadcastPlugin {
  /** The ids already delivered or sent; bounded by `limits.seenCacheSize` and `limits.seenCacheTtlMs`. */
  readonly seen: SeenCache;

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
  }

  /**
   * Sends a new broadcast to every connected peer; returns its message id. The sending node does not
   * deliver its own broadcast to itself.
   */
  broadcast(msg: unknown): string {
    const id = this.self.newMessageId();
    this.seen.add(id, this.clock.now());
    this.connections.sendToAll(this.self.envelope("BROADCAST", msg, { id, ttl: this.config.limits.broadcastTtl }));
    return id;
  }

  /** Deliver once, then forward to every other peer while hops are left. */
  @handles("BROADCAST")
  onBroadcast(envelope: Envelope, context: MessageContext): void {
    if (context.peerId === undefined) {
      context.reject("BROADCAST before the handshake");
      return;
    }
    // The envelope check guarantees an id on BROADCAST.
    const id = envelope.id!;
    if (!this.seen.add(id, this.clock.now())) return;
    if (envelope.originator === this.self.id) return;
    this.events.emit("broadcast", { id, originator: envelope.originator, msg: envelope.msg, envelope });
    const ttl = Math.min(envelope.ttl ?? this.config.limits.broadcastTtl, this.config.limits.broadcastTtl) - 1;
    if (ttl <= 0) return;
    const except = new Set([context.connection, this.connections.connectionOf(envelope.originator)]);
    this.connections.sendToAll({ ...envelope, ttl }, except);
  }
}
