/**
 * The direct plugin: one-to-one messages. `send(to, msg)` sends a DIRECT envelope with `to`, `id` and
 * `ttl`; only the node `to` delivers it (the `direct` event), once per id, and answers DIRECT_ACK
 * `{ id }`, routed back to the sender, whose `send` then resolves.
 *
 * Routing, at every hop: a destination that is a direct peer gets the message straight; otherwise it
 * goes to the next hop learnt by reverse-path learning (the connection on which messages from that node
 * most recently arrived first); with no route known it is flooded, like a broadcast, to every peer but
 * the one it came from. A flood teaches each node the way back to the sender, so the DIRECT_ACK and
 * later messages between the two follow one path instead of flooding. Duplicates are dropped by id, and
 * so are envelopes dated outside `limits.maxClockSkewMs` (see `ReplayGuard`), whose ids may have left
 * the seen-cache.
 */
import { inject } from "tsyringe";
import type { Connection } from "../transport/transport.js";
import type { Clock, TimerHandle } from "../base/clock.js";
import type { NodeConfig } from "../kernel/config.js";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../base/envelope.js";
import { NodeStateError, UndeliveredError } from "../base/errors.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { Logger } from "../base/logger.js";
import type { MessageContext } from "../kernel/message-context.js";
import type { NodeEvents } from "../kernel/node-events.js";
import { ReplayGuard, type ReplayDrops } from "../kernel/replay-guard.js";
import { RouteTable } from "../kernel/route-table.js";
import type { SeenCache } from "../kernel/seen-cache.js";
import { TOKENS } from "../kernel/tokens.js";

/** Checks a DIRECT_ACK payload: `{ id }` of the acknowledged message. */
export function checkAck(msg: unknown): string | undefined {
  const id = (msg as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length > 0 && id.length <= 256 ? undefined : "expected { id: string }";
}

interface PendingSend {
  to: string;
  resolve(): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

/** DIRECT/DIRECT_ACK: one-to-one messages with delivery acknowledgement. */
@plugin({ name: "direct" })
export class DirectPlugin {
  /** Ids of DIRECT and DIRECT_ACK envelopes already handled. */
  readonly seen: SeenCache;
  /** DIRECT and DIRECT_ACK envelopes dropped as stale (outside `limits.maxClockSkewMs`) or refused by a full seen-cache. */
  readonly dropped: Readonly<ReplayDrops>;
  /** Learnt next hops towards other nodes. */
  readonly routes: RouteTable;
  private readonly pending = new Map<string, PendingSend>();
  private readonly guard: ReplayGuard;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: NodeEvents,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.guard = new ReplayGuard(config.limits, clock, logger);
    this.seen = this.guard.seen;
    this.dropped = this.guard.dropped;
    this.routes = new RouteTable(config.limits.seenCacheSize);
  }

  /** Starts forgetting the routes through connections that close. */
  start(): void {
    this.unsubscribe = this.connections.onClose((connection) => this.routes.forget(connection));
  }

  /** Fails every send still waiting for its acknowledgement. */
  stop(): void {
    this.unsubscribe?.();
    for (const [id, pending] of this.pending) {
      this.clock.clearTimeout(pending.timer);
      pending.reject(new NodeStateError(`The node shut down before the message ${id} to ${pending.to} was acknowledged.`));
    }
    this.pending.clear();
    this.guard.clear();
    this.routes.clear();
  }

  /**
   * Sends `msg` to the node `to`, wherever it is in the network; resolves with the message id when `to`
   * acknowledged it, rejects with ERR_UNDELIVERED when no acknowledgement came within
   * `limits.requestTimeoutMs` (or at once, when this node has no peer at all).
   */
  send(to: string, msg: unknown): Promise<string> {
    const id = this.self.newMessageId();
    if (to === this.self.id) return Promise.reject(new UndeliveredError(id, to, "it is this node's own id"));
    const envelope = this.self.envelope("DIRECT", msg, { id, to, ttl: this.config.limits.broadcastTtl });
    this.guard.remember([id]);
    if (this.forward(envelope, undefined) === 0) {
      const reason = this.connections.peerIds().length === 0 ? "this node has no connected peer" : "no connection to a peer could take it (closed or congested)";
      return Promise.reject(new UndeliveredError(id, to, reason));
    }
    const ms = this.config.limits.requestTimeoutMs;
    return new Promise<string>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new UndeliveredError(id, to, `no acknowledgement within ${ms} ms`));
      }, ms);
      this.pending.set(id, { to, resolve: () => resolve(id), reject, timer });
    });
  }

  /** Deliver here if addressed here (and acknowledge), else pass it on. */
  @handles("DIRECT")
  onDirect(envelope: Envelope, context: MessageContext): void {
    if (!this.accept(envelope, context)) return;
    if (envelope.to !== this.self.id) {
      this.passOn(envelope, context.connection);
      return;
    }
    const id = envelope.id!;
    this.events.emit("direct", { id, originator: envelope.originator, msg: envelope.msg, envelope });
    const ackId = this.self.newMessageId();
    this.guard.remember([ackId]);
    const ack = this.self.envelope("DIRECT_ACK", { id }, { id: ackId, to: envelope.originator, ttl: this.config.limits.broadcastTtl });
    this.forward(ack, undefined);
  }

  /** Resolve the matching send if addressed here, else pass it on. */
  @handles("DIRECT_ACK", { payload: checkAck })
  onAck(envelope: Envelope<{ id: string }>, context: MessageContext): void {
    if (!this.accept(envelope, context)) return;
    if (envelope.to !== this.self.id) {
      this.passOn(envelope, context.connection);
      return;
    }
    const pending = this.pending.get(envelope.msg.id);
    if (!pending) return;
    this.pending.delete(envelope.msg.id);
    this.clock.clearTimeout(pending.timer);
    pending.resolve();
  }

  /** Checks, dates and deduplicates an arriving envelope, and learns the way back to its originator. */
  private accept(envelope: Envelope, context: MessageContext): boolean {
    if (context.peerId === undefined) {
      context.reject(`${envelope.msg_type} before the handshake`);
      return false;
    }
    if (envelope.to === undefined) {
      context.reject(`${envelope.msg_type} without a "to" field`);
      return false;
    }
    if (!this.guard.isFresh(envelope, context.peerId)) return false;
    if (this.guard.markSeen([envelope.id!], envelope.msg_type, context.connection.remote.host) !== "new") return false;
    if (envelope.originator !== this.self.id) this.routes.learn(envelope.originator, context.connection);
    return true;
  }

  /** Forwards with one hop less, unless the hops are used up. */
  private passOn(envelope: Envelope, from: Connection): void {
    const ttl = Math.min(envelope.ttl ?? this.config.limits.broadcastTtl, this.config.limits.broadcastTtl) - 1;
    if (ttl <= 0) {
      this.logger.debug("dropped a message whose ttl ran out", { type: envelope.msg_type, id: envelope.id, to: envelope.to });
      return;
    }
    this.forward({ ...envelope, ttl }, from);
  }

  /** Sends towards `envelope.to`: straight, by a learnt route, or flooded. Returns how many links it took. */
  private forward(envelope: Envelope, from: Connection | undefined): number {
    const to = envelope.to!;
    const direct = this.connections.connectionOf(to);
    if (direct && direct !== from) return direct.send(envelope) ? 1 : 0;
    const hop = this.routes.nextHop(to);
    if (hop && hop !== from && hop.send(envelope)) return 1;
    return this.connections.sendToAll(envelope, from);
  }
}
