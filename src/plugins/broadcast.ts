/**
 * The broadcast plugin. A BROADCAST is delivered to the application once per `id` (duplicates are
 * recognised by a bounded `SeenCache`; one dated outside `limits.maxClockSkewMs` is dropped, see
 * `ReplayGuard`), then passed on with `ttl - 1` while the decremented ttl is
 * above 0, never back to the peer it came from nor to its originator. How it is passed on is
 * `broadcast.mode`:
 * - `flood` (the default): to every other peer.
 * - `tree`: along an epidemic broadcast tree (Plumtree, `./plumtree.ts`): in full to the eager peers,
 *   as an id in a batched IHAVE to the lazy ones; PRUNE and GRAFT keep the tree small and whole.
 *
 * PRUNE, IHAVE and GRAFT are handled only in tree mode: their handlers are registered in `start()`
 * (through `TOKENS.Handlers`, with payload checks, as `@handles` would) and removed in `stop()`, so that to a flood-mode node they
 * stay unknown types, ignored with a debug log, and its handler table is what it always was. A
 * tree-mode node keeps pushing in full to any peer that never spoke tree mode, so flood and tree nodes
 * can share one network.
 */
import {
  handles,
  inject,
  plugin,
  relayCopy,
  ReplayGuard,
  TOKENS,
  type Admission,
  type Clock,
  type Envelope,
  type EventBus,
  type Handlers,
  type LocalPeer,
  type LegacyRelay,
  type Logger,
  type MessageSecurity,
  type Network,
  type NodeConfig,
  type PeerInfo,
  type PeerMessageContext,
  type ReplayDrops,
  type SeenCache,
} from "../plugin-api.js";
import { BROADCAST_SECTION } from "./broadcast-settings.js";
import { Plumtree } from "./plumtree.js";
import { checkGraft, checkIHave, checkPrune, GRAFT, IHAVE, PRUNE } from "./plumtree-wire.js";

/** Another identity of a broadcast than its id, or undefined when it has none. */
export type DuplicateKey = (envelope: Envelope) => string | undefined;

/** BROADCAST: spread a message to every node of the network, each delivering it once. */
@plugin({ name: "broadcast", config: BROADCAST_SECTION })
export class BroadcastPlugin {
  /** The ids already delivered or sent; bounded by `limits.seenCacheSize` and `limits.seenCacheTtlMs`. */
  readonly seen: SeenCache;
  /** BROADCASTs dropped as stale (outside `limits.maxClockSkewMs`) or refused by a full seen-cache. */
  readonly dropped: Readonly<ReplayDrops>;
  private readonly guard: ReplayGuard;
  /** The tree state in `tree` mode, while the plugin runs; undefined in `flood` mode. */
  tree: Plumtree | undefined;
  private readonly duplicateKeys = new Set<DuplicateKey>();
  private unregister: Array<() => void> = [];
  private readonly onPeerUp = (peer: PeerInfo): void => this.tree?.addPeer(peer.id);
  private readonly onPeerDown = (peer: PeerInfo): void => this.tree?.removePeer(peer.id);

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: EventBus,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Handlers) private readonly handlers: Handlers,
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.Security) private readonly security: MessageSecurity,
  ) {
    this.guard = new ReplayGuard(config.limits, clock, logger);
    this.seen = this.guard.seen;
    this.dropped = this.guard.dropped;
  }

  /**
   * In `tree` mode, starts the tree with every connected peer eager, follows peers coming and going,
   * and registers the PRUNE, IHAVE and GRAFT handlers. In `flood` mode, registers the seen-cache as the
   * test for signed duplicates (`Handlers.known`): a copy of a BROADCAST already admitted is dropped
   * before its signed text is parsed. Tree mode sees every duplicate in full: it answers them with PRUNE.
   */
  start(): void {
    if (this.config.broadcast.mode !== "tree") {
      // A flood-mode node does nothing with a duplicate: a copy it has, or is verifying with that very
      // signature, is dropped unparsed (another signature is verified on its own: maybe the valid one).
      this.unregister = [this.handlers.known("BROADCAST", (id, sig) => this.seen.has(id, this.clock.now()) || this.guard.isVerifying(id, sig))];
      return;
    }
    this.tree = new Plumtree(
      {
        send: (peerId, envelope) => this.network.send(peerId, envelope),
        envelope: (type, msg) => this.self.envelope(type, msg),
        hasReceived: (id) => this.seen.has(id, this.clock.now()),
      },
      this.clock,
      this.config.broadcast,
    );
    this.events.on("peer:connect", this.onPeerUp);
    this.events.on("peer:disconnect", this.onPeerDown);
    for (const peerId of this.network.peerIds()) this.tree.addPeer(peerId);
    const tree = this.tree;
    this.unregister = [
      this.handlers.on(PRUNE, (envelope, context) => tree.onPrune(context.peerId, envelope.msg.root), { payload: checkPrune, requirePeer: true }),
      this.handlers.on(IHAVE, (envelope, context) => tree.onIHave(envelope.msg.ids, context.peerId), { payload: checkIHave, requirePeer: true }),
      this.handlers.on(GRAFT, (envelope, context) => tree.onGraft(envelope.msg.ids, context.peerId), { payload: checkGraft, requirePeer: true }),
    ];
  }

  /**
   * Forgets the seen ids and the broadcasts still being verified (they are never delivered); removes
   * what `start` registered; in `tree` mode, clears the tree's timers and state.
   */
  stop(): void {
    for (const off of this.unregister) off();
    this.unregister = [];
    this.events.off("peer:connect", this.onPeerUp);
    this.events.off("peer:disconnect", this.onPeerDown);
    this.tree?.stop();
    this.tree = undefined;
    this.guard.clear();
    this.duplicateKeys.clear();
  }

  /**
   * Adds a second identity for broadcasts: a message whose key was seen counts as a duplicate even
   * under another id. A dialect's plugin uses it so that one message crossing between peerkit and peers
   * that know no ids is delivered once. Returns the function that removes it.
   */
  addDuplicateKey(key: DuplicateKey): () => void {
    this.duplicateKeys.add(key);
    return () => this.duplicateKeys.delete(key);
  }

  /**
   * Sends a new broadcast to every connected peer (in `tree` mode: to the eager ones, announcing it to
   * the lazy ones); returns its message id. The sending node does not deliver its own broadcast to itself.
   */
  broadcast(msg: unknown): string {
    const envelope = this.security.create("BROADCAST", msg, { ttl: this.config.limits.maxHops });
    const id = envelope.id!;
    this.guard.remember(this.idsOf(envelope));
    if (this.tree) this.tree.originate(envelope);
    else this.network.sendToAll(envelope);
    return id;
  }

  /**
   * Deliver once, then pass on to the other peers while hops are left. On a secure node only what
   * verifies under its originator's key is delivered, recorded or relayed, and relayed byte for byte;
   * the signature is verified off the event loop (`ReplayGuard.admitOffLoop`), so a signed broadcast is
   * delivered and relayed once its verification ends, in the order broadcasts arrived.
   */
  @handles("BROADCAST", { requirePeer: true })
  onBroadcast(envelope: Envelope, context: PeerMessageContext): void | Promise<void> {
    if (this.security.secure && context.connection.provenPeerId === undefined) {
      this.republishPlaintext(envelope, context);
      return;
    }
    const from = context.peerId;
    const admission = this.guard.admitOffLoop(envelope, this.idsOf(envelope), context.connection.remote.host, from, this.security);
    if (admission instanceof Promise) {
      // Concluded just before a stop, it may reach here after: the stopped plugin delivers nothing.
      const generation = this.guard.generation;
      return admission.then((verdict) => {
        if (generation === this.guard.generation) this.admitted(verdict, envelope, context);
      });
    }
    this.admitted(admission, envelope, context);
  }

  /** What follows the admission of an arriving broadcast (at once, or once its signature was verified). */
  private admitted(admission: Admission, envelope: Envelope, context: PeerMessageContext): void {
    const from = context.peerId;
    if (admission === "forged") {
      context.reject(`BROADCAST whose signature does not verify under its originator's key (${envelope.originator})`);
      return;
    }
    // Stale, replayed or refused: not recorded, so not a duplicate either; the tree is told nothing.
    if (admission === "dropped") return;
    // The envelope check guarantees an id on BROADCAST.
    const id = envelope.id!;
    if (admission === "duplicate" || envelope.originator === this.self.id) {
      this.tree?.duplicate(id, from, envelope.originator);
      return;
    }
    this.events.emit("broadcast", { id, originator: envelope.originator, msg: envelope.msg, envelope });
    const forward = relayCopy(envelope, this.config.limits.maxHops);
    if (this.tree) this.tree.received(id, from, envelope.originator, forward);
    else if (forward) context.forward(forward, [envelope.originator]);
  }

  /**
   * A secure node's only plaintext links are those of a dialect (the legacy peers'): what such a peer
   * broadcasts is delivered here, marked, and reaches the secure peers only re-published under this
   * node's signature, labelled as relayed from it (`LegacyRelay`); it is never relayed unsigned.
   */
  private republishPlaintext(envelope: Envelope, context: PeerMessageContext): void {
    // A plaintext line in the name of a key-derived id never gets here: the kernel refuses it (admission.ts).
    if (!this.guard.isFresh(envelope, context.peerId)) return;
    if (this.guard.markSeen(this.idsOf(envelope), "BROADCAST", context.connection.remote.host) !== "new") return;
    const id = envelope.id!;
    this.events.emit("broadcast", { id, originator: envelope.originator, msg: envelope.msg, envelope, legacy: true });
    const relay: LegacyRelay = { relayedFrom: envelope.originator, legacy: true, msg: envelope.msg };
    const signed = this.security.create("BROADCAST", relay, { ttl: this.config.limits.maxHops });
    this.guard.remember([signed.id!]);
    context.forward(signed, [envelope.originator]);
  }

  /** The envelope's id, then its extra keys (`addDuplicateKey`). */
  private idsOf(envelope: Envelope): string[] {
    const ids = [envelope.id!];
    for (const keyOf of this.duplicateKeys) {
      const key = keyOf(envelope);
      if (key !== undefined && key !== envelope.id) ids.push(key);
    }
    return ids;
  }
}
