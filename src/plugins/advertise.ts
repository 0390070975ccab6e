/**
 * The advertise plugin: peer exchange. ADVERTISE asks a peer for its peers; it answers ADVERTISE_REPLY
 * `[{ id, host, port }, ...]`, and the asker connects to the ones it does not know, up to
 * `limits.maxPeers`.
 */
import { inject } from "tsyringe";
import type { Clock, TimerHandle } from "../kernel/clock.js";
import type { NodeConfig } from "../kernel/config.js";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../kernel/envelope.js";
import { NodeStateError, TimeoutError, UnknownPeerError } from "../kernel/errors.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { Logger } from "../kernel/logger.js";
import type { MessageContext } from "../kernel/message-context.js";
import { checkPeerInfo, type PeerInfo } from "../kernel/peer.js";
import type { PeerTable } from "../kernel/peer-table.js";
import { TOKENS } from "../kernel/tokens.js";
import type { DialOptions } from "../transport/transport.js";

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

interface PendingRequest {
  resolve(peers: PeerInfo[]): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

/** ADVERTISE/ADVERTISE_REPLY: learning a peer's peers and connecting to them. */
@plugin({ name: "advertise", dependencies: ["ping"] })
export class AdvertisePlugin {
  private readonly pending = new Map<string, PendingRequest[]>();

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.PeerTable) private readonly peers: PeerTable,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Fails every request still waiting for a reply. */
  stop(): void {
    for (const [peerId, requests] of this.pending) {
      for (const request of requests) {
        this.clock.clearTimeout(request.timer);
        request.reject(new NodeStateError(`The node shut down before ${peerId} answered ADVERTISE.`));
      }
    }
    this.pending.clear();
  }

  /**
   * Asks a connected peer for its peers, connects to the new ones, and resolves with those it
   * connected to. Rejects with ERR_UNKNOWN_PEER or ERR_TIMEOUT.
   */
  getPeersFrom(peerId: string): Promise<PeerInfo[]> {
    if (!this.connections.send(peerId, this.self.envelope("ADVERTISE", null))) {
      return Promise.reject(new UnknownPeerError(peerId));
    }
    const ms = this.config.limits.requestTimeoutMs;
    return new Promise<PeerInfo[]>((resolve, reject) => {
      const request: PendingRequest = {
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.take(peerId, request);
          reject(new TimeoutError(`ADVERTISE to ${peerId}`, ms));
        }, ms),
      };
      this.pending.set(peerId, [...(this.pending.get(peerId) ?? []), request]);
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

  /** A peer sent its peers: connect to the new ones, then answer whoever asked. */
  @handles("ADVERTISE_REPLY", { payload: checkPeerList })
  async onAdvertiseReply(envelope: Envelope<PeerInfo[]>, context: MessageContext): Promise<void> {
    if (context.peerId === undefined) {
      context.reject("ADVERTISE_REPLY before the handshake");
      return;
    }
    // Peers a legacy peer advertises are dialled in its dialect: they spoke it to it.
    const connected = await this.connectToNew(envelope.msg, { dialect: context.connection.dialect });
    for (const request of this.pending.get(context.peerId) ?? []) {
      this.clock.clearTimeout(request.timer);
      request.resolve(connected);
    }
    this.pending.delete(context.peerId);
  }

  /** Connects to the advertised peers this node does not know, without passing `limits.maxPeers`. */
  private async connectToNew(advertised: PeerInfo[], options: DialOptions): Promise<PeerInfo[]> {
    const own = this.self.address;
    const seen = new Set<string>([`${own.host}:${own.port}`]);
    const fresh = advertised.filter((peer) => {
      const key = `${peer.host}:${peer.port}`;
      if (peer.id === this.self.id || this.peers.find(peer.id)?.connected || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // Dials already under way will take slots too: count them, so replies arriving together cannot overshoot.
    const room = Math.max(0, this.config.limits.maxPeers - this.peers.connectedCount() - this.connections.dialsInProgress);
    const attempts = fresh.slice(0, room).map(async (peer) => {
      try {
        const joined = await this.connections.connect(peer.host, peer.port, options);
        return { id: joined.id, host: joined.host, port: joined.port };
      } catch (error) {
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

  private take(peerId: string, request: PendingRequest): void {
    const rest = (this.pending.get(peerId) ?? []).filter((r) => r !== request);
    if (rest.length > 0) this.pending.set(peerId, rest);
    else this.pending.delete(peerId);
  }
}
