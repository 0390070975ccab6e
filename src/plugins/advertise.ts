/**
 * The advertise plugin: peer exchange. ADVERTISE asks a peer for its peers; it answers ADVERTISE_REPLY
 * `[{ id, host, port }, ...]`, and the asker connects to the ones it does not know, up to
 * `limits.maxPeers`.
 *
 * A reply is acted on only when it answers an ADVERTISE this node sent to that peer, on that connection,
 * once per request; any other is dropped and counted (`stats.unsolicited`). What a reply may make the
 * node dial is budgeted: `limits.peerExchangeDialsPerReply` per request, `peerExchangeDialsPerMinute`
 * in all, never an address dialled or failed within `peerExchangeBackoffMs` (`PeerExchangeBudget`).
 * A connection whose dialect answers one ADVERTISE with one ADVERTISE_REPLY per peer
 * (`splitsReplies`, as the original Python peers do) keeps its request open for replies until
 * `limits.requestTimeoutMs`, its dial budget shared by them all.
 */
import {
  checkPeerInfo,
  errorMessage,
  handles,
  inject,
  NodeStateError,
  payloadCheck,
  PendingRequests,
  plugin,
  TOKENS,
  UnknownPeerError,
  type Clock,
  type ConnectionView,
  type DialOptions,
  type Envelope,
  type LocalPeer,
  type Logger,
  type Network,
  type NodeConfig,
  type PeerInfo,
  type PeerMessageContext,
  type PeerView,
  type TimerHandle,
} from "../plugin-api.js";
import { PeerExchangeBudget } from "./advertise-budget.js";

/** Most entries sent in, or accepted from, one ADVERTISE_REPLY. */
export const MAX_ADVERTISED_PEERS = 256;

/** Checks an ADVERTISE_REPLY payload: a list of `{ id, host, port }`. */
export const checkPeerList = payloadCheck<PeerInfo[]>((msg) => {
  if (!Array.isArray(msg)) return "expected a list of { id, host, port }";
  if (msg.length > MAX_ADVERTISED_PEERS) return `more than ${MAX_ADVERTISED_PEERS} peers`;
  for (let i = 0; i < msg.length; i++) {
    const reason = checkPeerInfo(msg[i]);
    if (reason !== undefined) return `entry ${i}: ${reason}`;
  }
  return undefined;
});

/** An ADVERTISE sent to a peer, open for its reply (or, where replies come split, its replies). */
interface ExchangeRequest {
  /** The connection the ADVERTISE went out on: only a reply on it counts. */
  connection: ConnectionView;
  /** Its connection splits replies: it takes one reply per peer until its timer; any other is answered by one reply. */
  splitReplies: boolean;
  /** What is left of `limits.peerExchangeDialsPerReply`. */
  dialsLeft: number;
  /** Whether a reply came (the callers of `getPeersFrom` are answered then). */
  answered: boolean;
  /** Ends the request at `limits.requestTimeoutMs`. */
  timer: TimerHandle;
}

/** What peer exchange did and refused, since the plugin was made. */
export interface PeerExchangeStats {
  /** ADVERTISE_REPLYs dropped because they answered no open request of this node. */
  unsolicited: number;
  /** Addresses dialled because a reply named them. */
  dials: number;
  /** Advertised addresses not dialled because they were dialled or failed within `limits.peerExchangeBackoffMs`. */
  backedOff: number;
  /** Advertised addresses not dialled because the per-reply or per-minute dial budget was spent. */
  overBudget: number;
}

/** ADVERTISE/ADVERTISE_REPLY: learning a peer's peers and connecting to them. */
@plugin({ name: "advertise", dependencies: ["ping"] })
export class AdvertisePlugin {
  /** Counts of what peer exchange did and refused. */
  readonly stats: PeerExchangeStats = { unsolicited: 0, dials: 0, backedOff: 0, overBudget: 0 };
  /** The open request to each peer: at most one each, so at most one per peer this node asked. */
  private readonly requests = new Map<string, ExchangeRequest>();
  /**
   * The callers of `getPeersFrom` waiting for a peer's first reply, by peer id: answered, when it comes,
   * with the connecting it starts (so the request's deadline no longer applies to those dials).
   */
  private readonly answers: PendingRequests<string, Promise<PeerInfo[]>>;
  private readonly budget: PeerExchangeBudget;

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.Peers) private readonly peers: PeerView,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.budget = new PeerExchangeBudget(config.limits, clock);
    this.answers = new PendingRequests(clock);
  }

  /** Fails every request still waiting for a reply. */
  stop(): void {
    for (const request of this.requests.values()) this.clock.clearTimeout(request.timer);
    this.requests.clear();
    this.answers.rejectAll((_what, peerId) => new NodeStateError(`The node shut down before ${peerId} answered ADVERTISE.`));
  }

  /**
   * Asks a connected peer for its peers, connects to the new ones (within the dial budget), and
   * resolves with those it connected to. A call while a request to that peer awaits its reply shares
   * it. Rejects with ERR_UNKNOWN_PEER or ERR_TIMEOUT.
   */
  getPeersFrom(peerId: string): Promise<PeerInfo[]> {
    const ms = this.config.limits.requestTimeoutMs;
    const what = `ADVERTISE to ${peerId}`;
    if (this.answers.has(peerId)) return this.answers.wait(peerId, ms, what).then((connected) => connected);
    const connection = this.network.connection(peerId);
    if (!connection || !this.network.send(peerId, this.self.envelope("ADVERTISE", null))) {
      return Promise.reject(new UnknownPeerError(peerId));
    }
    // A request kept open for split replies after its first one gives way to the new one (and its budget).
    const open = this.requests.get(peerId);
    if (open) this.close(peerId, open);
    const request: ExchangeRequest = {
      connection,
      splitReplies: connection.splitsReplies,
      dialsLeft: this.config.limits.peerExchangeDialsPerReply,
      answered: false,
      timer: this.clock.setTimeout(() => this.close(peerId, request), ms),
    };
    this.requests.set(peerId, request);
    return this.answers.wait(peerId, ms, what).then((connected) => connected);
  }

  /** A peer asks for our peers: answer with every connected one except itself. */
  @handles("ADVERTISE", { requirePeer: true })
  onAdvertise(_envelope: Envelope, context: PeerMessageContext): void {
    const list = this.peers
      .connected()
      .filter((peer) => peer.id !== context.peerId)
      .slice(0, MAX_ADVERTISED_PEERS)
      .map(({ id, host, port }) => ({ id, host, port }));
    context.reply("ADVERTISE_REPLY", list);
  }

  /**
   * A peer sent its peers: if it answers our request, connect to the new ones within the budget, then
   * answer whoever asked. An unsolicited reply is dropped and counted, not rejected as a bad frame: an
   * honest peer's reply arriving after our timeout looks the same.
   */
  @handles("ADVERTISE_REPLY", { payload: checkPeerList, requirePeer: true })
  async onAdvertiseReply(envelope: Envelope<PeerInfo[]>, context: PeerMessageContext): Promise<void> {
    const request = this.requests.get(context.peerId);
    if (!request || request.connection !== context.connection || (request.answered && !request.splitReplies)) {
      this.stats.unsolicited++;
      this.logger.debug("dropped an ADVERTISE_REPLY that answers no ADVERTISE of this node", { peer: context.peerId, entries: envelope.msg.length });
      return;
    }
    const first = !request.answered;
    request.answered = true;
    if (!request.splitReplies) this.close(context.peerId, request);
    // Peers advertised in another dialect are dialled in it: they spoke it to the advertiser.
    const connecting = this.connectToNew(envelope.msg, request, { dialect: context.connection.dialect });
    if (first) this.answers.resolve(context.peerId, connecting);
    await connecting;
  }

  /**
   * Connects to the advertised peers this node does not know, within the request's and the minute's
   * dial budget, the backoff, and `limits.maxPeers`.
   */
  private async connectToNew(advertised: PeerInfo[], request: ExchangeRequest, options: DialOptions): Promise<PeerInfo[]> {
    const own = this.self.address;
    const seen = new Set<string>([`${own.host}:${own.port}`]);
    const fresh = advertised.filter((peer) => {
      const key = `${peer.host}:${peer.port}`;
      if (peer.id === this.self.id || this.peers.find(peer.id)?.connected || seen.has(key)) return false;
      if (this.peers.findByAddress(peer.host, peer.port)?.connected) return false;
      seen.add(key);
      return true;
    });
    // Dials already under way will take slots too: count them, so replies arriving together cannot overshoot.
    const room = Math.max(0, this.config.limits.maxPeers - this.peers.connectedCount() - this.network.dialsInProgress);
    const chosen: PeerInfo[] = [];
    for (const peer of fresh) {
      if (chosen.length >= room) break;
      if (request.dialsLeft <= 0) {
        this.stats.overBudget++;
        continue;
      }
      const refusal = this.budget.take(peer.host, peer.port);
      if (refusal === "backoff") this.stats.backedOff++;
      else if (refusal === "budget") this.stats.overBudget++;
      else {
        request.dialsLeft--;
        chosen.push(peer);
      }
    }
    if (chosen.length < Math.min(fresh.length, room)) {
      this.logger.debug("peer exchange: advertised addresses left undialled (budget or backoff)", {
        advertised: advertised.length,
        dialled: chosen.length,
        dialsLeft: request.dialsLeft,
      });
    }
    this.stats.dials += chosen.length;
    const attempts = chosen.map(async (peer) => {
      try {
        const joined = await this.network.connect(peer.host, peer.port, options);
        return { id: joined.id, host: joined.host, port: joined.port };
      } catch (error) {
        this.budget.failed(peer.host, peer.port);
        this.logger.debug("could not connect to an advertised peer", {
          peer: peer.id,
          address: `${peer.host}:${peer.port}`,
          error: errorMessage(error),
        });
        return undefined;
      }
    });
    return (await Promise.all(attempts)).filter((peer): peer is PeerInfo => peer !== undefined);
  }

  /** Ends a request: no further reply is taken for it. */
  private close(peerId: string, request: ExchangeRequest): void {
    this.clock.clearTimeout(request.timer);
    if (this.requests.get(peerId) === request) this.requests.delete(peerId);
  }
}
