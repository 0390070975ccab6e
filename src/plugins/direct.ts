/**
 * The direct plugin: one-to-one messages. `send(to, msg)` sends a DIRECT envelope with `to`, `id` and
 * `ttl`; only the node `to` delivers it (the `direct` event), once per id, and answers DIRECT_ACK
 * `{ id }`, routed back to the sender, whose `send` then resolves.
 *
 * On a secure node (protocol v2) the payload travels end to end: `msg` is sealed to the recipient's
 * key (a libsodium sealed box of `{ from, msg }`) inside the sender's signed envelope, so relays see
 * only ciphertext and cannot alter it unnoticed; the recipient checks that the sealed `from` is the
 * signer. The DIRECT_ACK is signed by the recipient, and `send` resolves only on an ack that verifies
 * and comes from the node it was sent to. Relays verify before they learn a route.
 *
 * Routing, at every hop: a destination that is a direct peer gets the message straight; otherwise it
 * goes to the next hop learnt by reverse-path learning (the connection on which messages from that node
 * most recently arrived first); with no route known it is flooded, like a broadcast, to every peer but
 * the one it came from. A flood teaches each node the way back to the sender, so the DIRECT_ACK and
 * later messages between the two follow one path instead of flooding. Duplicates are dropped by id, and
 * so are envelopes dated outside `limits.maxClockSkewMs` (see `ReplayGuard`), whose ids may have left
 * the seen-cache.
 */
import {
  handles,
  inject,
  NodeStateError,
  payloadCheck,
  checkJsonValue,
  PendingRequests,
  plugin,
  relayCopy,
  ReplayGuard,
  TOKENS,
  UndeliveredError,
  type Clock,
  type Envelope,
  type EventBus,
  type LocalPeer,
  type Logger,
  type MessageSecurity,
  type Network,
  type NodeConfig,
  type PeerMessageContext,
  type ReplayDrops,
  type SeenCache,
} from "../plugin-api.js";
import { RouteTable } from "./direct-routes.js";

/** Checks a DIRECT_ACK payload: `{ id }` of the acknowledged message. */
export const checkAck = payloadCheck<{ id: string }>((msg) => {
  const id = (msg as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length > 0 && id.length <= 256 ? undefined : "expected { id: string }";
});

/** The payload of a DIRECT on a secure node: the sealed box of `{ from, msg }` (see `SealedDirect`). */
export const checkSealedDirect = payloadCheck<{ box: string }>((msg) => {
  const box = (msg as { box?: unknown } | null)?.box;
  return typeof box === "string" && box.length > 0 ? undefined : "expected { box: string } (a sealed box)";
});

/** What a DIRECT's box holds: the sender (it must be the signer) and the application's payload. */
interface SealedDirect {
  from: string;
  msg: unknown;
}

/** DIRECT/DIRECT_ACK: one-to-one messages with delivery acknowledgement. */
@plugin({ name: "direct" })
export class DirectPlugin {
  /** Ids of DIRECT and DIRECT_ACK envelopes already handled. */
  readonly seen: SeenCache;
  /** DIRECT and DIRECT_ACK envelopes dropped as stale (outside `limits.maxClockSkewMs`) or refused by a full seen-cache. */
  readonly dropped: Readonly<ReplayDrops>;
  /** DIRECTs signed correctly and addressed here whose box did not open into `{ from, msg }` from their signer. */
  undeliverable = 0;
  /** Learnt next hops towards other nodes. */
  readonly routes: RouteTable;
  /** Sends waiting for their acknowledgement, by message id. */
  private readonly pending: PendingRequests<string, string>;
  /** The destination of each send waiting for its acknowledgement: only it may acknowledge. */
  private readonly recipients = new Map<string, string>();
  private readonly guard: ReplayGuard;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: EventBus,
    @inject(TOKENS.Clock) clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Security) private readonly security: MessageSecurity,
  ) {
    this.guard = new ReplayGuard(config.limits, clock, logger);
    this.seen = this.guard.seen;
    this.dropped = this.guard.dropped;
    this.routes = new RouteTable(config.limits.seenCacheSize);
    this.pending = new PendingRequests(clock);
  }

  /** Starts forgetting the routes through connections that close. */
  start(): void {
    this.unsubscribe = this.network.onClose((_connection, peer) => {
      if (peer !== undefined) this.routes.forget(peer.id);
    });
  }

  /** Fails every send still waiting for its acknowledgement. */
  stop(): void {
    this.unsubscribe?.();
    this.pending.rejectAll((what) => new NodeStateError(`The node shut down before ${what} was acknowledged.`));
    this.guard.clear();
    this.routes.clear();
    this.recipients.clear();
  }

  /**
   * Sends `msg` to the node `to`, wherever it is in the network; resolves with the message id when `to`
   * acknowledged it, rejects with ERR_UNDELIVERED when no acknowledgement came within
   * `limits.requestTimeoutMs` (or at once, when this node has no peer at all).
   */
  send(to: string, msg: unknown): Promise<string> {
    if (to === this.self.id) return Promise.reject(new UndeliveredError("-", to, "it is this node's own id"));
    if (this.security.secure && !this.security.isKeyId(to)) {
      return Promise.reject(new UndeliveredError("-", to, "it is not a key-derived peer id (pk_…): a secure node encrypts to the recipient's key, which only such an id names"));
    }
    const payload = this.security.secure ? { box: this.security.seal(to, Buffer.from(JSON.stringify({ from: this.self.id, msg } satisfies SealedDirect))) } : msg;
    const envelope = this.security.create("DIRECT", payload, { to, ttl: this.config.limits.maxHops });
    const id = envelope.id!;
    this.guard.remember([id]);
    if (this.forward(envelope, undefined) === 0) {
      const reason = this.network.peerIds().length === 0 ? "this node has no connected peer" : "no connection to a peer could take it (closed or congested)";
      return Promise.reject(new UndeliveredError(id, to, reason));
    }
    this.recipients.set(id, to);
    const acknowledged = this.pending.wait(id, this.config.limits.requestTimeoutMs, `the message ${id} to ${to}`, {
      timeoutError: (_what, ms) => new UndeliveredError(id, to, `no acknowledgement within ${ms} ms`),
    });
    return acknowledged.finally(() => this.recipients.delete(id));
  }

  /** Deliver here if addressed here (and acknowledge), else pass it on. */
  @handles("DIRECT", { requirePeer: true })
  onDirect(envelope: Envelope, context: PeerMessageContext): void {
    if (!this.accept(envelope, context)) return;
    if (envelope.to !== this.self.id) {
      this.passOn(envelope, context.peerId);
      return;
    }
    const id = envelope.id!;
    const msg = this.security.secure ? this.unseal(envelope) : { ok: true as const, msg: envelope.msg };
    if (!msg.ok) return;
    this.events.emit("direct", { id, originator: envelope.originator, msg: msg.msg, envelope });
    const ack = this.security.create("DIRECT_ACK", { id }, { to: envelope.originator, ttl: this.config.limits.maxHops });
    this.guard.remember([ack.id!]);
    this.forward(ack, undefined);
  }

  /** Resolve the matching send if addressed here, else pass it on. */
  @handles("DIRECT_ACK", { payload: checkAck, requirePeer: true })
  onAck(envelope: Envelope<{ id: string }>, context: PeerMessageContext): void {
    if (!this.accept(envelope, context)) return;
    if (envelope.to !== this.self.id) {
      this.passOn(envelope, context.peerId);
      return;
    }
    // Only the node the message was sent to can acknowledge it (on a secure node, by its signature).
    const acked = envelope.msg.id;
    if (this.recipients.get(acked) !== envelope.originator) {
      this.logger.debug("ignored an acknowledgement from another node than the recipient", { id: acked, from: envelope.originator });
      return;
    }
    this.pending.resolve(acked, acked);
  }

  /**
   * The application payload of a DIRECT sealed to this node, or not ok (dropped, counted): a box that
   * does not open for this key, holds no bounded JSON `{ from, msg }`, or names another sender than the
   * signer (a box re-wrapped under another signature).
   */
  private unseal(envelope: Envelope): { ok: true; msg: unknown } | { ok: false } {
    // Relays cannot open the box, so they passed it on in good faith: the fault is the originator's, never
    // the delivering link's. Counted and logged at debug, not charged to the connection's bad frames
    // (else any key holder could make a node cut its honest neighbours).
    const fail = (reason: string): { ok: false } => {
      this.undeliverable++;
      this.logger.debug("dropped a DIRECT that does not open as a sealed box for this node", { id: envelope.id, originator: envelope.originator, reason });
      return { ok: false };
    };
    if (checkSealedDirect(envelope.msg) !== undefined) return fail("payload is not a sealed box");
    const plaintext = this.security.open((envelope.msg as { box: string }).box);
    if (plaintext === undefined) return fail("box does not open with this node's key");
    let inner: unknown;
    try {
      inner = JSON.parse(Buffer.from(plaintext).toString("utf8"));
    } catch {
      return fail("box does not hold JSON");
    }
    const problem = checkJsonValue(inner, this.config.limits.maxJsonDepth);
    if (problem !== undefined) return fail(`box: ${problem}`);
    const sealed = inner as Partial<SealedDirect> | null;
    if (typeof sealed !== "object" || sealed === null || Array.isArray(sealed) || !("msg" in sealed)) return fail("box does not hold { from, msg }");
    if (sealed.from !== envelope.originator) return fail("box was sealed by another sender than the signer");
    return { ok: true, msg: sealed.msg };
  }

  /**
   * Checks, dates, verifies and deduplicates an arriving envelope, and learns the way back to its
   * originator from a verified one only.
   */
  private accept(envelope: Envelope, context: PeerMessageContext): boolean {
    if (envelope.to === undefined) {
      context.reject(`${envelope.msg_type} without a "to" field`);
      return false;
    }
    const admission = this.guard.admit(envelope, [envelope.id!], context.connection.remote.host, context.peerId, this.security);
    if (admission === "forged") context.reject(`${envelope.msg_type} whose signature does not verify under its originator's key (${envelope.originator})`);
    if (admission !== "new") return false;
    if (envelope.originator !== this.self.id) this.routes.learn(envelope.originator, context.peerId);
    return true;
  }

  /** Forwards with one hop less, unless the hops are used up. */
  private passOn(envelope: Envelope, from: string): void {
    const copy = relayCopy(envelope, this.config.limits.maxHops);
    if (copy === undefined) {
      this.logger.debug("dropped a message whose ttl ran out", { type: envelope.msg_type, id: envelope.id, to: envelope.to });
      return;
    }
    this.forward(copy, from);
  }

  /**
   * Sends towards `envelope.to`: straight, by a learnt route, or flooded; never back to the peer `from`
   * it came from. Returns how many links it took.
   */
  private forward(envelope: Envelope, from: string | undefined): number {
    const to = envelope.to!;
    if (to !== from && this.network.connection(to) !== undefined) return this.network.send(to, envelope) ? 1 : 0;
    const hop = this.routes.nextHop(to);
    if (hop !== undefined && hop !== from && this.network.send(hop, envelope)) return 1;
    return this.network.sendToAll(envelope, [from]);
  }
}
