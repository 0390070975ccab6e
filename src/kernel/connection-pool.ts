/**
 * The connection pool: every open connection of the node, which peer each is bound to, and dialling.
 * Binding a connection to its peer is `peer-bindings.ts`; dialling, `dialer.ts`; each received frame
 * goes on to the dispatcher through `frame-intake.ts`.
 */
import { NOT_A_PEERKIT_NODE, type Connection, type DialOptions, type Transport } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { NodeConfig } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import { encodeEnvelope, type Envelope } from "../base/envelope.js";
import { errorMessage } from "../base/error-message.js";
import type { LocalPeerState } from "./local-peer.js";
import type { Logger } from "../base/logger.js";
import type { ConnectionView } from "./message-context.js";
import type { NodeEvents } from "./node-events.js";
import type { PeerInfo, PeerRecord } from "../base/peer.js";
import type { PeerTable } from "./peer-table.js";
import { PendingConnections } from "./pending-connections.js";
import { FrameIntake } from "./frame-intake.js";
import { Dialer } from "./dialer.js";
import { PeerBindings } from "./peer-bindings.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import { TakenIdRefusals } from "./taken-ids.js";

/** Called when a connection opens (before its first frame). */
export type OpenListener = (connection: Connection) => void;
/** Called when a connection closes; `peer` is set when it was the bound connection of a peer. */
export type CloseListener = (connection: Connection, peer: PeerInfo | undefined, reason: string) => void;

/**
 * Owns the node's connections. One long-lived connection per peer pair, and one peer per connection.
 * When two peers dial each other at once, they end on one connection without another round trip: a
 * node's own dial replaces the peer's inbound connection only when the smaller-id rule prefers it
 * (`bind`, in `peer-bindings.ts`), and a dial refused as the duplicate finds the peer on the other
 * connection. Who may hold a slot is decided in `admission.ts`.
 */
export class ConnectionPool {
  private readonly open = new Set<Connection>();
  private readonly bindings: PeerBindings;
  private readonly dialer: Dialer;
  /** Connections not yet bound to a peer. */
  private readonly pending: PendingConnections;
  private readonly intake: FrameIntake;
  private readonly openListeners = new Set<OpenListener>();
  private readonly closeListeners = new Set<CloseListener>();
  private readonly takenIds: TakenIdRefusals;

  constructor(
    private readonly transport: Transport,
    peers: PeerTable,
    dispatcher: Dispatcher,
    self: LocalPeerState,
    events: NodeEvents,
    clock: Clock,
    config: NodeConfig,
    private readonly logger: Logger,
  ) {
    const now = (): number => clock.now();
    const evicted = new ThrottledWarning(logger, "closed a connection to make room (a pending connection never keeps a newcomer out)", undefined, now);
    const refusedIdentity = new ThrottledWarning(logger, "refused a peer's handshake: its id is not the one it proved", undefined, now);
    this.takenIds = new TakenIdRefusals(logger, now, self, config.security);
    this.pending = new PendingConnections(clock, config.limits, logger, evicted);
    this.dialer = new Dialer({
      transport,
      self,
      peers,
      clock,
      handshakeTimeoutMs: config.limits.requestTimeoutMs,
      isBound: (connection) => this.bindings.isBound(connection),
      refusalOf: (connection) => this.takenIds.errorFor(connection),
    });
    this.bindings = new PeerBindings({
      self,
      peers,
      events,
      clock,
      config,
      logger,
      pending: this.pending,
      dialer: this.dialer,
      takenIds: this.takenIds,
      evicted,
      refusedIdentity,
    });
    this.intake = new FrameIntake({
      security: config.security,
      peers,
      dispatcher,
      self,
      events,
      clock,
      refusedIdentity,
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
   * connection is now that peer's connection; false when it was refused and closed (the rules:
   * `PeerBindings.bind`).
   */
  bind(connection: Connection, info: PeerInfo & { nick?: string }): boolean {
    return this.bindings.bind(connection, info);
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
    return this.bindings.byPeer.get(peerId);
  }

  /** The ids of every bound peer. */
  peerIds(): string[] {
    return [...this.bindings.byPeer.keys()];
  }

  /** Every open connection, bound or not. */
  connections(): Connection[] {
    return [...this.open];
  }

  /** Sends an envelope to a bound peer; false when there is no open connection to it. */
  send(peerId: string, envelope: Envelope): boolean {
    return this.bindings.byPeer.get(peerId)?.send(envelope) ?? false;
  }

  /** Sends an envelope (serialised once) to every bound peer for which `skip` is false; returns how many were sent. */
  sendToPeers(envelope: Envelope, skip: (peerId: string, connection: Connection) => boolean): number {
    let sent = 0;
    let encoded: string | undefined;
    for (const [peerId, connection] of this.bindings.byPeer) {
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
    const peer = this.bindings.release(connection, reason);
    this.takenIds.closed(connection);
    const cause = reason === NOT_A_PEERKIT_NODE ? reason : `the connection closed before the handshake (${reason})`;
    this.dialer.closed(connection, cause);
    for (const listener of this.closeListeners) this.callListener(() => listener(connection, peer, reason));
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
