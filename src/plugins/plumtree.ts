/**
 * Plumtree, the epidemic broadcast tree (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees",
 * SRDS 2007): the state machine of the broadcast plugin's tree mode.
 *
 * Each neighbour is either eager (sent every new BROADCAST in full) or lazy (sent only its id, in a
 * batched IHAVE). Every neighbour starts eager; a duplicate copy makes the receiver answer PRUNE, and
 * the sender moves it to lazy, so the eager links shrink to a spanning tree. A message announced by
 * IHAVE but not received within `graftTimeoutMs` is requested with GRAFT, which also turns that link
 * eager again: the tree repairs itself around lost nodes.
 *
 * Two refinements of the paper, both for streams with many messages in flight: links are kept per
 * originator (`TreeLinks`), and each end decides only what it receives (a duplicate prunes the link
 * it came in on, not the way back). A duplicate prunes nothing when the first copy came in on a link
 * this node had already pruned (a copy still in flight): the link that delivered it then stays.
 *
 * Mixed networks: a peer counts as a tree peer only once it has sent a PRUNE, IHAVE or GRAFT (tree
 * nodes greet each new neighbour with an empty IHAVE). Any other peer (a flood-mode node, an original
 * Python peer) stays eager for good and is never sent PRUNE: it would ignore both.
 */
import type { Clock, Envelope, TimerHandle } from "../plugin-api.js";
import type { BroadcastSettings } from "./broadcast-settings.js";
import { TreeLinks } from "./plumtree-links.js";
import { MessageStore } from "./plumtree-store.js";
import { GRAFT, IHAVE, PRUNE, type IdList, type PrunePayload } from "./plumtree-wire.js";

/** Most peers remembered as announcers of one missing message. */
const MAX_ANNOUNCERS = 8;

/** What the tree needs from the node it runs in. */
export interface PlumtreeHost {
  /** Sends an envelope to one handshaken peer; false when it is not connected. */
  send(peerId: string, envelope: Envelope): boolean;
  /** A new envelope from this node (for PRUNE, IHAVE and GRAFT). */
  envelope(type: string, msg: unknown): Envelope;
  /** Whether the message with this id was received (or sent) here already. */
  hasReceived(id: string): boolean;
}

/** A message announced by IHAVE and not received yet. */
interface Missing {
  /** The peers that announced it and were not asked yet, first first. */
  announcers: string[];
  /** The peers it was requested from (GRAFT), oldest first. */
  requested: string[];
  timer: TimerHandle;
}

/**
 * The tree state of one node: eager and lazy peers per originator, the message store, missing-message
 * timers, IHAVE batches. The broadcast plugin calls it; it sends through `PlumtreeHost` and times
 * through the node's `Clock`, and `stop()` clears every timer it set.
 */
export class Plumtree {
  private readonly links = new TreeLinks();
  /** Peers known to speak tree mode: they sent a PRUNE, IHAVE or GRAFT. Only these are sent PRUNE. */
  private readonly treePeers = new Set<string>();
  private readonly store: MessageStore;
  private readonly missing = new Map<string, Missing>();
  /**
   * Messages received while requested by GRAFT, with the peers still expected to answer: their late
   * answers are copies this node asked for, not a sign of a redundant link, so they prune nothing.
   * Bounded like the missing messages (oldest dropped first).
   */
  private readonly awaitedAnswers = new Map<string, string[]>();
  /** Ids waiting to be announced, per lazy peer (an empty list: the greeting of a new neighbour). */
  private readonly batches = new Map<string, string[]>();
  private flushTimer: TimerHandle | undefined;

  constructor(
    private readonly host: PlumtreeHost,
    private readonly clock: Clock,
    private readonly settings: BroadcastSettings,
  ) {
    this.store = new MessageStore(settings.storeSize, settings.storeTtlMs);
  }

  /** A neighbour came up: it is eager in every tree, and will be greeted with an empty IHAVE at the next flush. */
  addPeer(peerId: string): void {
    this.links.add(peerId);
    if (!this.batches.has(peerId)) this.batches.set(peerId, []);
    this.scheduleFlush();
  }

  /** A neighbour went down: it leaves every tree, its pending IHAVE, and the announcers of missing messages. */
  removePeer(peerId: string): void {
    this.links.remove(peerId);
    this.treePeers.delete(peerId);
    this.batches.delete(peerId);
    for (const entry of this.missing.values()) {
      const at = entry.announcers.indexOf(peerId);
      if (at >= 0) entry.announcers.splice(at, 1);
    }
  }

  /** This node created a message: keep it for GRAFT, push it to the eager peers, announce it to the lazy ones. */
  originate(envelope: Envelope): void {
    this.store.add(envelope.id!, envelope, this.clock.now());
    this.push(envelope, undefined);
  }

  /**
   * The first copy of a message arrived from `from`. `forward` is the copy to pass on (ttl already
   * decremented), or undefined when its hops are used up.
   */
  received(id: string, from: string, originator: string, forward: Envelope | undefined): void {
    if (this.cancelMissing(id, from)) this.links.restore(originator, from);
    if (forward === undefined) return;
    this.store.add(id, forward, this.clock.now(), from);
    this.push(forward, from);
  }

  /**
   * A copy of message `id`, already received, arrived from `from`: that link is redundant in the
   * originator's tree; ask `from` to announce rather than push (PRUNE). Not when this node asked `from`
   * for it (GRAFT), nor pruned that link already, nor when the first copy came in on a pruned link.
   */
  duplicate(id: string, from: string, originator: string): void {
    if (!this.treePeers.has(from)) return;
    const awaited = this.awaitedAnswers.get(id);
    const at = awaited?.indexOf(from) ?? -1;
    if (at >= 0) {
      awaited!.splice(at, 1);
      if (awaited!.length === 0) this.awaitedAnswers.delete(id);
      this.links.restore(originator, from);
      return;
    }
    if (this.links.isCut(originator, from)) return;
    const first = this.store.firstFrom(id);
    if (first !== undefined && this.links.isCut(originator, first)) return;
    this.links.cut(originator, from);
    this.host.send(from, this.host.envelope(PRUNE, { root: originator } satisfies PrunePayload));
  }

  /** `from` asked for no more full copies of `root`'s messages (of any originator's, without `root`). */
  onPrune(from: string, root: string | undefined): void {
    this.treePeers.add(from);
    this.links.makeLazy(root, from);
  }

  /** `from` announced messages: start waiting for those not received yet. */
  onIHave(ids: readonly string[], from: string): void {
    this.treePeers.add(from);
    for (const id of ids) {
      if (this.host.hasReceived(id)) continue;
      const entry = this.missing.get(id);
      if (entry !== undefined) {
        if (!entry.announcers.includes(from) && !entry.requested.includes(from) && entry.announcers.length < MAX_ANNOUNCERS) entry.announcers.push(from);
      } else if (this.missing.size < this.settings.storeSize) {
        this.missing.set(id, { announcers: [from], requested: [], timer: this.clock.setTimeout(() => this.expire(id), this.settings.graftTimeoutMs) });
      }
    }
  }

  /** `from` asked for messages: it becomes eager in their originators' trees, and is sent those still held. */
  onGraft(ids: readonly string[], from: string): void {
    this.treePeers.add(from);
    const now = this.clock.now();
    for (const id of ids) {
      const envelope = this.store.get(id, now);
      if (envelope === undefined) continue;
      this.links.makeEager(envelope.originator, from);
      this.host.send(from, envelope);
    }
  }

  /** Sends every pending IHAVE now. */
  flush(): void {
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [peerId, ids] of this.batches) this.host.send(peerId, this.host.envelope(IHAVE, { ids } satisfies IdList));
    this.batches.clear();
  }

  /** Clears every timer and forgets all state. */
  stop(): void {
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const entry of this.missing.values()) this.clock.clearTimeout(entry.timer);
    this.missing.clear();
    this.awaitedAnswers.clear();
    this.batches.clear();
    this.store.clear();
    this.links.clear();
    this.treePeers.clear();
  }

  /** The peers asked (PRUNE) to stop pushing `root`'s messages to this node, sorted. */
  cutPeers(root: string): string[] {
    return this.links.peek(root).pruned.sort();
  }

  /** The peers sent full copies of `root`'s messages, sorted. */
  eagerPeers(root: string): string[] {
    return this.links.peek(root).eager.sort();
  }

  /** The peers sent only the ids of `root`'s messages, sorted. */
  lazyPeers(root: string): string[] {
    return this.links.peek(root).lazy.sort();
  }

  /** The ids announced but not received, each with the announcers not asked yet. */
  missingIds(): Map<string, readonly string[]> {
    return new Map([...this.missing].map(([id, entry]) => [id, [...entry.announcers]]));
  }

  /** How many originators' trees are kept (at most `MAX_TREES`). */
  get treeCount(): number {
    return this.links.size;
  }

  /** How many envelopes are kept to answer GRAFT. */
  get storedCount(): number {
    return this.store.size;
  }

  /** To the eager peers of the originator's tree in full, to its lazy peers by IHAVE; never back to `from` or the originator. */
  private push(envelope: Envelope, from: string | undefined): void {
    const root = envelope.originator;
    const { eager, lazy } = this.links.touch(root);
    for (const peerId of eager) if (peerId !== from && peerId !== root) this.host.send(peerId, envelope);
    for (const peerId of lazy) if (peerId !== from && peerId !== root) this.announce(peerId, envelope.id!);
  }

  private announce(peerId: string, id: string): void {
    let batch = this.batches.get(peerId);
    if (batch === undefined) this.batches.set(peerId, (batch = []));
    batch.push(id);
    if (batch.length >= this.settings.ihaveMaxIds) {
      this.batches.delete(peerId);
      this.host.send(peerId, this.host.envelope(IHAVE, { ids: batch } satisfies IdList));
    } else {
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    this.flushTimer ??= this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.settings.ihaveIntervalMs);
  }

  /**
   * The wait for a missing message ran out: GRAFT it from its first announcer not asked yet, and wait
   * again, shorter (`graftRetryMs`), before asking the next. The same GRAFT asks that peer for every
   * other message it announced that is still missing, so a lost stretch of the tree is mended in one
   * round trip.
   */
  private expire(id: string): void {
    const entry = this.missing.get(id);
    if (entry === undefined) return;
    const next = this.host.hasReceived(id) ? undefined : entry.announcers.shift();
    if (next === undefined) {
      this.missing.delete(id);
      return;
    }
    const ids = [id];
    this.markRequested(id, entry, next);
    for (const [other, rest] of this.missing) {
      if (ids.length >= this.settings.ihaveMaxIds) break;
      const at = rest.announcers.indexOf(next);
      if (other === id || at < 0) continue;
      rest.announcers.splice(at, 1);
      this.clock.clearTimeout(rest.timer);
      this.markRequested(other, rest, next);
      ids.push(other);
    }
    this.host.send(next, this.host.envelope(GRAFT, { ids } satisfies IdList));
  }

  private markRequested(id: string, entry: Missing, peerId: string): void {
    entry.requested.push(peerId);
    entry.timer = this.clock.setTimeout(() => this.expire(id), this.settings.graftRetryMs);
  }

  /** Stops waiting for a message that arrived from `receivedFrom`; true when it was requested from that peer. */
  private cancelMissing(id: string, receivedFrom: string): boolean {
    const entry = this.missing.get(id);
    if (entry === undefined) return false;
    this.clock.clearTimeout(entry.timer);
    this.missing.delete(id);
    const awaited = entry.requested.filter((peerId) => peerId !== receivedFrom);
    const answered = awaited.length < entry.requested.length;
    if (awaited.length === 0) return answered;
    this.awaitedAnswers.set(id, awaited);
    for (const oldest of this.awaitedAnswers.keys()) {
      if (this.awaitedAnswers.size <= this.settings.storeSize) break;
      this.awaitedAnswers.delete(oldest);
    }
    return answered;
  }
}
