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
 * (`Connection.splitsReplies`) keeps its request open for replies until `limits.requestTimeoutMs`, its
 * dial budget shared by them all.
 */
import { inject } from "tsyringe";
import type { Clock, TimerHandle } from "../base/clock.js";
import type { NodeConfig } from "../kernel/config.js";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../base/envelope.js";
import { NodeStateError, TimeoutError, UnknownPeerError } from "../base/errors.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { Logger } from "../base/logger.js";
import type { MessageContext } from "../kernel/message-context.js";
import { checkPeerInfo, type PeerInfo } from "../base/peer.js";
import type { PeerTable } from "../kernel/peer-table.js";
import { TOKENS } from "../kernel/tokens.js";
import type { Connection, DialOptions } from "../transport/transport.js";
import { PeerExchangeBudget } from "./advertise-budget.js";

/** Most entries sent in, or accepted from, one ADVERTISE_REPLY. */
export const MAX_ADVERTISED_PEERS = 256;

/** Checks an ADVERTISE_REPLY payload: a list of `{ id, host, port }`. */
export function checkPeerList(msg: unknown): string | undefined {
  if (!Array.isArray(msg)) return "expected a list of { id, host, port }";
  if (msg.length > MAX_ADVERTISED_PEERS) return `more than ${MAX_ADVERTISED_PEERS} peers`;
  for (let i = 0; i < msg.length; i++) {
    const reason = checkPeerInfo(msg[i]);
    if (reason !== undefined) return `entry ${i}: ${reason}`;
  }
  return undefined;
}

/** One caller of `getPeersFrom`, waiting for the first reply. */
interface Waiter {
  resolve(peers: PeerInfo[]): void;
  reject(error: Error): void;
}

/** An ADVERTISE sent to a peer, open for its reply (or, where replies come split, its replies). */
interface ExchangeRequest {
  /** The connection the ADVERTISE went out on: only a reply on it counts. */
  connection: Connection;
  /** Its connection splits replies: it takes one reply per peer until its timer; any other is answered by one reply. */
  splitReplies: boolean;
  /** What is left of `limits.peerExchangeDialsPerReply`. */
  dialsLeft: number;
  /** Whether a reply came (the waiters are settled then). */
  answered: boolean;
  waiters: Waiter[];
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
  private readonly budget: PeerExchangeBudget;

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.PeerTable) private readonly peers: PeerTable,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.budget = new PeerExchangeBudget(config.limits, clock);
  }

  /** Fails every request still waiting for a reply. */
  stop(): void {
    for (const [peerId, request] of this.requests) {
      this.clock.clearTimeout(request.timer);
      for (const waiter of request.waiters) waiter.reject(new NodeStateError(`The node shut down before ${peerId} answered ADVERTISE.`));
    }
    this.requests.clear();
  }

  /**
   * Asks a connected peer for its peers, connects to the new ones (within the dial budget), and
   * resolves with those it connected to. A call while a request to that peer awaits its reply shares
   * it. Rejects with ERR_UNKNOWN_PEER or ERR_TIMEOUT.
   */
  getPeersFrom(peerId: string): Promise<PeerInfo[]> {
    const open = this.requests.get(peerId);
    if (open && !open.answered) return new Promise((resolve, reject) => open.waiters.push({ resolve, reject }));
    const connection = this.connections.connectionOf(peerId);
    if (!connection || !connection.send(this.self.envelope("ADVERTISE", null))) {
      return Promise.reject(new UnknownPeerError(peerId));
    }
    // A request kept open for split replies after its first one gives way to the new one (and its budget).
    if (open) this.close(peerId, open);
    const ms = this.config.limits.requestTimeoutMs;
    return new Promise<PeerInfo[]>((resolve, reject) => {
      const request: ExchangeRequest = {
        connection,
        splitReplies: connection.splitsReplies === true,
        dialsLeft: this.config.limits.peerExchangeDialsPerReply,
        answered: false,
        waiters: [{ resolve, reject }],
        timer: this.clock.setTimeout(() => {
          this.close(peerId, request);
          if (request.answered) return;
          for (const waiter of request.waiters) waiter.reject(new TimeoutError(`ADVERTISE to ${peerId}`, ms));
        }, ms),
      };
      this.requests.set(peerId, request);
    });
  }

  /** A peer asks for our peers: answer with every connected one except itself. */
  @handles("ADVERTISE")
  onAdvertise(_envelope: Envelope, context: MessageContext): void {
    if (context.peerId === undefined) {
      context.reject("ADVERTISE before the handshake");
      return;
    }
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
  @handles("ADVERTISE_REPLY", { payload: checkPeerList })
  async onAdvertiseReply(envelope: Envelope<PeerInfo[]>, context: MessageContext): Promise<void> {
    if (context.peerId === undefined) {
      context.reject("ADVERTISE_REPLY before the handshake");
      return;
    }
    const request = this.requests.get(context.peerId);
    if (!request || request.connection !== context.connection || (request.answered && !request.splitReplies)) {
      this.stats.unsolicited++;
      this.logger.debug("dropped an ADVERTISE_REPLY that answers no ADVERTISE of this node", { peer: context.peerId, entries: envelope.msg.length });
      return;
    }
    const waiters = request.waiters;
    request.waiters = [];
    request.answered = true;
    if (!request.splitReplies) this.close(context.peerId, request);
    // Advertised peers are dialled in the dialect the reply came in: they spoke it to that peer.
    const connected = await this.connectToNew(envelope.msg, request, { dialect: context.connection.dialect });
    for (const waiter of waiters) waiter.resolve(connected);
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
    const room = Math.max(0, this.config.limits.maxPeers - this.peers.connectedCount() - this.connections.dialsInProgress);
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
        const joined = await this.connections.connect(peer.host, peer.port, options);
        return { id: joined.id, host: joined.host, port: joined.port };
      } catch (error) {
        this.budget.failed(peer.host, peer.port);
        this.logger.debug("could not connect to an advertised peer", {
          peer: peer.id,
          address: `${peer.host}:${peer.port}`,
          error: error instanceof Error ? error.message : String(error),
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
