/**
 * The connection pool: every open connection of the node, which peer each is bound to, and dialling.
 * Each received frame goes on to the dispatcher through `frame-intake.ts`.
 */
import { NDJSON_DIALECT, NOT_A_PEERKIT_NODE, type Connection, type DialOptions, type Transport } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { NodeConfig } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import { encodeEnvelope, type Envelope } from "../base/envelope.js";
import { DialError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";
import type { LocalPeerState } from "./local-peer.js";
import type { Logger } from "../base/logger.js";
import type { ConnectionView } from "./message-context.js";
import type { NodeEvents } from "./node-events.js";
import type { LinkedPeer, PeerInfo, PeerRecord } from "../base/peer.js";
import type { PeerTable } from "./peer-table.js";
import { identityRefusal, inboundPeerToEvict, peerSlotRefusal } from "./admission.js";
import { PendingConnections } from "./pending-connections.js";
import { FrameIntake } from "./frame-intake.js";
import { winsDialRace } from "./dial-race.js";
import { Dialer } from "./dialer.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import { claimsTakenId, TakenIdRefusals } from "./taken-ids.js";

/** Called when a connection opens (before its first frame). */
export type OpenListener = (connection: Connection) => void;
/** Called when a connection closes; `peer` is set when it was the bound connection of a peer. */
export type CloseListener = (connection: Connection, peer: PeerInfo | undefined, reason: string) => void;

/**
 * Owns the node's connections. One long-lived connection per peer pair, and one peer per connection.
 * When two peers dial each other at once, they end on one connection without another round trip: a
 * node's own dial replaces the peer's inbound connection only when the smaller-id rule prefers it
 * (`bind`), and a dial refused as the duplicate finds the peer on the other connection. Who may hold a
 * slot is decided in `admission.ts`.
 */
export class ConnectionPool {
  private readonly open = new Set<Connection>();
  private readonly byPeer = new Map<string, Connection>();
  private readonly dialer: Dialer;
  /** Connections not yet bound to a peer. */
  private readonly pending: PendingConnections;
  private readonly intake: FrameIntake;
  /** Peers unbound when their connection was evicted, for the close listeners once it has closed. */
  private readonly evictedPeers = new WeakMap<Connection, PeerInfo>();
  private readonly openListeners = new Set<OpenListener>();
  private readonly closeListeners = new Set<CloseListener>();
  private readonly evicted: ThrottledWarning;
  private readonly refusedPeer: ThrottledWarning;
  private readonly secondId: ThrottledWarning;
  private readonly refusedIdentity: ThrottledWarning;
  private readonly takenIds: TakenIdRefusals;

  constructor(
    private readonly transport: Transport,
    private readonly peers: PeerTable,
    private readonly dispatcher: Dispatcher,
    private readonly self: LocalPeerState,
    private readonly events: NodeEvents,
    private readonly clock: Clock,
    private readonly config: NodeConfig,
    private readonly logger: Logger,
  ) {
    const now = (): number => clock.now();
    this.evicted = new ThrottledWarning(logger, "closed a connection to make room (a pending connection never keeps a newcomer out)", undefined, now);
    this.refusedPeer = new ThrottledWarning(logger, "refused a peer: no peer slot for it", undefined, now);
    this.secondId = new ThrottledWarning(logger, "closing a connection that claimed a second peer id", undefined, now);
    this.refusedIdentity = new ThrottledWarning(logger, "refused a peer's handshake: its id is not the one it proved", undefined, now);
    this.takenIds = new TakenIdRefusals(logger, now, self, config.security);
    this.pending = new PendingConnections(clock, config.limits, logger, this.evicted);
    this.dialer = new Dialer({
      transport,
      self,
      peers,
      clock,
      handshakeTimeoutMs: config.limits.requestTimeoutMs,
      isBound: (connection) => connection.peerId !== undefined && this.byPeer.get(connection.peerId) === connection,
      refusalOf: (connection) => this.takenIds.errorFor(connection),
    });
    this.intake = new FrameIntake({
      security: config.security,
      peers,
      dispatcher,
      self,
      events,
      clock,
      refusedIdentity: this.refusedIdentity,
      sendToPeers: (envelope, skip) => this.sendToPeers(envelope, skip),
    });
  }

  /**
   * Installs this pool as the transport's handlers: from then on every connection, frame and disconnect
   * of the transport comes here. Called once by the composition root, before the transport listens or dials.
   */
  attach(): void {
    this.transport.setHandlers({
      connection: (connection) => this.handleOpen(connection),
      frame: (connection, envelope) => this.intake.handleFrame(connection, envelope),
      knownFrame: (connection, msgType, id, sig) => this.intake.isKnownFrame(connection, msgType, id, sig),
      disconnect: (connection, reason) => this.handleClose(connection, reason),
    });
  }

  /** Subscribes to connections opening; returns the unsubscribe function. */
  onOpen(listener: OpenListener): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** Subscribes to connections closing; returns the unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Opens a connection to an address (one dial per address at a time; concurrent callers share it). */
  dial(host: string, port: number, options: DialOptions = {}): Promise<Connection> {
    return this.dialer.dial(host, port, options);
  }

  /**
   * Dials an address and waits until the handshake binds the connection to a peer (the ping plugin
   * performs it). Resolves at once when a connected peer already advertised that address.
   */
  connect(host: string, port: number, options: DialOptions = {}): Promise<PeerRecord> {
    return this.dialer.connect(host, port, options);
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
    if (connection.closed) return false;
    if (info.id === this.self.id) {
      connection.close("connected to itself");
      return false;
    }
    const impostor = identityRefusal(connection, info.id, this.config.security);
    if (impostor !== undefined) {
      this.refusedIdentity.warn({ connection: connection.id, remote: `${connection.remote.host}:${connection.remote.port}`, claimed: info.id, reason: impostor });
      connection.close(impostor);
      return false;
    }
    if (connection.peerId !== undefined && connection.peerId !== info.id) {
      this.secondId.warn({ connection: connection.id, peer: connection.peerId, claimed: info.id });
      connection.close(`protocol error: this connection carries ${connection.peerId} and cannot also carry ${info.id} (one connection is one peer)`);
      return false;
    }
    const now = this.clock.now();
    const dialect = foreignDialect(connection);
    const existing = this.byPeer.get(info.id);
    if (existing === connection) {
      this.peers.add(info, { connected: true, lastSeen: now, dialect });
      return true;
    }
    if (existing && !existing.closed) {
      if (winsDialRace(connection, existing, info, this.self.id, this.peers.find(info.id)?.port)) {
        // Our own dial wins the race: move the peer onto it quietly (no disconnect/connect events).
        this.byPeer.set(info.id, connection);
        connection.peerId = info.id;
        this.peers.add(info, { connected: true, lastSeen: now, dialect });
        this.pending.remove(connection);
        existing.close(`replaced by the connection ${connection.id}`);
        this.dialer.settle(connection, undefined);
        return true;
      }
      const holder = this.peers.find(info.id);
      if (claimsTakenId(info, holder)) {
        this.takenIds.refuse(connection, info, holder);
        return false;
      }
      connection.peerId = info.id;
      this.dialer.settle(connection, undefined);
      this.logger.debug("refused a second connection for a connected peer", { connection: connection.id, peer: info.id, via: connection.direction });
      connection.close(`duplicate connection to ${info.id}: that peer is connected on a live connection`);
      return false;
    }
    const refusal = peerSlotRefusal(connection, this.byPeer.values(), this.config.limits);
    if (refusal !== undefined) {
      const victim = refusal.full && connection.direction === "inbound" ? inboundPeerToEvict(connection, this.byPeer.values()) : undefined;
      if (victim === undefined) {
        this.refusedPeer.warn({ peer: info.id, remote: `${connection.remote.host}:${connection.remote.port}`, reason: refusal.reason });
        connection.close(refusal.reason);
        return false;
      }
      const reason = `evicted to admit a peer from a less represented network (${refusal.reason})`;
      this.evicted.warn({ connection: victim.id, peer: victim.peerId, remote: `${victim.remote.host}:${victim.remote.port}`, reason });
      // Unbound at once, so that the newcomer takes its slot now and the peer leaves no row behind.
      const evictedPeer = this.unbind(victim, reason);
      if (evictedPeer) this.evictedPeers.set(victim, evictedPeer);
      victim.close(reason);
    }
    this.byPeer.set(info.id, connection);
    connection.peerId = info.id;
    this.peers.add(info, { connected: true, lastSeen: now, dialect });
    this.pending.remove(connection);
    this.logger.info("peer connected", { peer: info.id, host: info.host, port: info.port, via: connection.direction });
    this.events.emit("peer:connect", withDialect({ id: info.id, host: info.host, port: info.port }, dialect));
    this.dialer.settle(connection, undefined);
    return true;
  }

  /**
   * The far end of `connection` said, with a REFUSED frame, why it is about to close it: remembered for
   * the close, so that the dial waiting on it fails with that reason (`taken-ids.ts`).
   */
  noteRefusal(connection: Connection, code: string): void {
    this.takenIds.note(connection, code);
  }

  /** The bound connection of a peer, or undefined. */
  connectionOf(peerId: string): Connection | undefined {
    return this.byPeer.get(peerId);
  }

  /** The ids of every bound peer. */
  peerIds(): string[] {
    return [...this.byPeer.keys()];
  }

  /** Every open connection, bound or not. */
  connections(): Connection[] {
    return [...this.open];
  }

  /** Sends an envelope to a bound peer; false when there is no open connection to it. */
  send(peerId: string, envelope: Envelope): boolean {
    return this.byPeer.get(peerId)?.send(envelope) ?? false;
  }

  /** Sends an envelope (serialised once) to every bound peer for which `skip` is false; returns how many were sent. */
  sendToPeers(envelope: Envelope, skip: (peerId: string, connection: Connection) => boolean): number {
    let sent = 0;
    let encoded: string | undefined;
    for (const [peerId, connection] of this.byPeer) {
      if (skip(peerId, connection)) continue;
      encoded ??= safeEncode(envelope);
      if (connection.send(envelope, encoded)) sent++;
    }
    return sent;
  }

  /** The read-only view of a connection that plugins get; one per connection. */
  viewOf(connection: Connection): ConnectionView {
    return this.intake.viewOf(connection);
  }

  /** The connection behind a view this pool handed out, or undefined for anything else. */
  connectionBehind(view: ConnectionView): Connection | undefined {
    return this.intake.connectionBehind(view);
  }

  /** Refuses new dials and fails every pending handshake; the transport closes the sockets. */
  stop(): void {
    this.dialer.stop();
    this.pending.clear();
    this.openListeners.clear();
    this.closeListeners.clear();
  }

  /** Dials in progress. */
  get dialsInProgress(): number {
    return this.dialer.inProgress;
  }

  private handleOpen(connection: Connection): void {
    this.open.add(connection);
    this.pending.add(connection);
    if (connection.direction === "inbound") {
      const { admitted, closed } = this.pending.makeRoomFor(connection, this.open.size);
      // Forgotten at once, so the next arrival counts without them; their disconnects follow when their sockets close.
      for (const evicted of closed) this.open.delete(evicted);
      if (!admitted) return;
    }
    for (const listener of this.openListeners) this.callListener(() => listener(connection));
  }

  private handleClose(connection: Connection, reason: string): void {
    this.open.delete(connection);
    this.pending.remove(connection);
    const peer = this.unbind(connection, reason) ?? this.evictedPeers.get(connection);
    const cause = reason === NOT_A_PEERKIT_NODE ? reason : `the connection closed before the handshake (${reason})`;
    this.dialer.settle(connection, this.takenIds.errorFor(connection) ?? new DialError(connection.remote.host, connection.remote.port, cause));
    for (const listener of this.closeListeners) this.callListener(() => listener(connection, peer, reason));
  }

  /**
   * Removes the peer bound to `connection` (its row, its slot) and emits `peer:disconnect`; returns it,
   * or undefined when the connection carried no peer.
   */
  private unbind(connection: Connection, reason: string): LinkedPeer | undefined {
    const peerId = connection.peerId;
    if (peerId === undefined || this.byPeer.get(peerId) !== connection) return undefined;
    this.byPeer.delete(peerId);
    const row = this.peers.find(peerId);
    this.peers.remove(peerId);
    const peer = withDialect({ id: peerId, host: row?.host ?? connection.remote.host, port: row?.port ?? connection.remote.port }, row?.dialect);
    this.logger.info("peer disconnected", { peer: peerId, reason });
    this.events.emit("peer:disconnect", peer, reason);
    return peer;
  }

  private callListener(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error("connection listener failed", { error: errorMessage(error) });
    }
  }
}

/** The envelope's JSON text, or undefined when it cannot be serialised (each connection then reports why). */
function safeEncode(envelope: Envelope): string | undefined {
  try {
    return encodeEnvelope(envelope);
  } catch {
    return undefined;
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
