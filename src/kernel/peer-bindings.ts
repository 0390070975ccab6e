/**
 * Which peer each connection carries, for the connection pool: one long-lived connection per peer and
 * one peer per connection, the race of two nodes dialling each other at once, and the peer slots
 * (who may hold one is decided in `admission.ts`).
 */
import { NDJSON_DIALECT, type Connection } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { LinkedPeer, PeerInfo } from "../base/peer.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import type { NodeConfig } from "./config.js";
import type { LocalPeerState } from "./local-peer.js";
import type { NodeEvents } from "./node-events.js";
import type { PeerTable } from "./peer-table.js";
import type { PendingConnections } from "./pending-connections.js";
import type { Dialer } from "./dialer.js";
import { identityRefusal, inboundPeerToEvict, peerSlotRefusal } from "./admission.js";
import { winsDialRace } from "./dial-race.js";
import { claimsTakenId, type TakenIdRefusals } from "./taken-ids.js";

/** Everything the peer bindings read or call, owned by the connection pool. */
export interface PeerBindingsParts {
  readonly self: LocalPeerState;
  readonly peers: PeerTable;
  readonly events: NodeEvents;
  readonly clock: Clock;
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** The connections not yet bound: a connection leaves them when it is bound. */
  readonly pending: PendingConnections;
  /** Settles the `connect()` callers waiting on a connection once it is bound or refused. */
  readonly dialer: Dialer;
  readonly takenIds: TakenIdRefusals;
  /** Warned when a connection is closed to make room (shared with the pending connections). */
  readonly evicted: ThrottledWarning;
  /** Warned when a handshake's id is not the one its link proved (shared with the frame intake). */
  readonly refusedIdentity: ThrottledWarning;
}

/** The bound connection of each peer, and the rules that bind and unbind them. */
export class PeerBindings {
  private readonly bound = new Map<string, Connection>();
  /** Peers unbound when their connection was evicted, for the close listeners once it has closed. */
  private readonly evictedPeers = new WeakMap<Connection, PeerInfo>();
  private readonly refusedPeer: ThrottledWarning;
  private readonly secondId: ThrottledWarning;

  constructor(private readonly parts: PeerBindingsParts) {
    const now = (): number => parts.clock.now();
    this.refusedPeer = new ThrottledWarning(parts.logger, "refused a peer: no peer slot for it", undefined, now);
    this.secondId = new ThrottledWarning(parts.logger, "closing a connection that claimed a second peer id", undefined, now);
  }

  /** The bound connection of each peer, by peer id. */
  get byPeer(): ReadonlyMap<string, Connection> {
    return this.bound;
  }

  /** Whether `connection` is now the bound connection of its peer. */
  isBound(connection: Connection): boolean {
    return connection.peerId !== undefined && this.bound.get(connection.peerId) === connection;
  }

  /**
   * Binds a connection to the peer that identified itself on it (PING or PONG). Returns true when the
   * connection is now that peer's connection; false when it was refused and closed.
   *
   * One connection carries one peer: a connection bound to one id that claims another is closed as a
   * protocol error. A peer connected on a live connection keeps it: a newcomer claiming its id is
   * refused (it may come back once the old connection is closed, by TCP or by keepalive). The one
   * exception settles the race of two nodes dialling each other at once: both keep the connection
   * dialled by the smaller id (`isPreferred`), so the node that dialled it replaces the other one with
   * its own dial, but only when that dial reached the peer's advertised address on the same IP the other
   * connection comes from. A newcomer is never moved onto an inbound connection, so a stranger cannot
   * take over a peer by claiming its id.
   */
  bind(connection: Connection, info: PeerInfo & { nick?: string }): boolean {
    const { self, peers, events, clock, config, logger, pending, dialer, takenIds, evicted } = this.parts;
    if (connection.closed) return false;
    if (info.id === self.id) {
      connection.close("connected to itself");
      return false;
    }
    const impostor = identityRefusal(connection, info.id, config.security);
    if (impostor !== undefined) {
      this.parts.refusedIdentity.warn({ connection: connection.id, remote: `${connection.remote.host}:${connection.remote.port}`, claimed: info.id, reason: impostor });
      connection.close(impostor);
      return false;
    }
    if (connection.peerId !== undefined && connection.peerId !== info.id) {
      this.secondId.warn({ connection: connection.id, peer: connection.peerId, claimed: info.id });
      connection.close(`protocol error: this connection carries ${connection.peerId} and cannot also carry ${info.id} (one connection is one peer)`);
      return false;
    }
    const now = clock.now();
    const dialect = foreignDialect(connection);
    const existing = this.bound.get(info.id);
    if (existing === connection) {
      peers.add(info, { connected: true, lastSeen: now, dialect });
      return true;
    }
    if (existing && !existing.closed) {
      if (winsDialRace(connection, existing, info, self.id, peers.find(info.id)?.port)) {
        // Our own dial wins the race: move the peer onto it quietly (no disconnect/connect events).
        this.bound.set(info.id, connection);
        connection.peerId = info.id;
        peers.add(info, { connected: true, lastSeen: now, dialect });
        pending.remove(connection);
        existing.close(`replaced by the connection ${connection.id}`);
        dialer.settle(connection, undefined);
        return true;
      }
      const holder = peers.find(info.id);
      if (claimsTakenId(info, holder)) {
        takenIds.refuse(connection, info, holder);
        return false;
      }
      connection.peerId = info.id;
      dialer.settle(connection, undefined);
      logger.debug("refused a second connection for a connected peer", { connection: connection.id, peer: info.id, via: connection.direction });
      connection.close(`duplicate connection to ${info.id}: that peer is connected on a live connection`);
      return false;
    }
    const refusal = peerSlotRefusal(connection, this.bound.values(), config.limits);
    if (refusal !== undefined) {
      const victim = refusal.full && connection.direction === "inbound" ? inboundPeerToEvict(connection, this.bound.values()) : undefined;
      if (victim === undefined) {
        this.refusedPeer.warn({ peer: info.id, remote: `${connection.remote.host}:${connection.remote.port}`, reason: refusal.reason });
        connection.close(refusal.reason);
        return false;
      }
      const reason = `evicted to admit a peer from a less represented network (${refusal.reason})`;
      evicted.warn({ connection: victim.id, peer: victim.peerId, remote: `${victim.remote.host}:${victim.remote.port}`, reason });
      // Unbound at once, so that the newcomer takes its slot now and the peer leaves no row behind.
      const evictedPeer = this.unbind(victim, reason);
      if (evictedPeer) this.evictedPeers.set(victim, evictedPeer);
      victim.close(reason);
    }
    this.bound.set(info.id, connection);
    connection.peerId = info.id;
    peers.add(info, { connected: true, lastSeen: now, dialect });
    pending.remove(connection);
    logger.info("peer connected", { peer: info.id, host: info.host, port: info.port, via: connection.direction });
    events.emit("peer:connect", withDialect({ id: info.id, host: info.host, port: info.port }, dialect));
    dialer.settle(connection, undefined);
    return true;
  }

  /**
   * A connection closed: the peer it carried, unbound now (with `peer:disconnect`) or when it was evicted,
   * or undefined when it carried none.
   */
  release(connection: Connection, reason: string): PeerInfo | undefined {
    return this.unbind(connection, reason) ?? this.evictedPeers.get(connection);
  }

  /**
   * Removes the peer bound to `connection` (its row, its slot) and emits `peer:disconnect`; returns it,
   * or undefined when the connection carried no peer.
   */
  private unbind(connection: Connection, reason: string): LinkedPeer | undefined {
    const peerId = connection.peerId;
    if (peerId === undefined || this.bound.get(peerId) !== connection) return undefined;
    this.bound.delete(peerId);
    const { peers } = this.parts;
    const row = peers.find(peerId);
    peers.remove(peerId);
    const peer = withDialect({ id: peerId, host: row?.host ?? connection.remote.host, port: row?.port ?? connection.remote.port }, row?.dialect);
    this.parts.logger.info("peer disconnected", { peer: peerId, reason });
    this.parts.events.emit("peer:disconnect", peer, reason);
    return peer;
  }
}

/** The connection's dialect when it is not peerkit's own, as peer rows and peer events carry it. */
function foreignDialect(connection: Connection): string | undefined {
  return connection.dialect === undefined || connection.dialect === NDJSON_DIALECT ? undefined : connection.dialect;
}

/** `peer` with `dialect` set when there is one (no `dialect: undefined` key in events). */
function withDialect(peer: PeerInfo, dialect: string | undefined): LinkedPeer {
  return dialect === undefined ? peer : { ...peer, dialect };
}
