/**
 * Dialling for the connection pool: one dial per address at a time, and `connect()` callers waiting
 * until the handshake on their connection binds it to a peer (or fails, saying why).
 */
import type { Connection, DialOptions, Transport } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import { DialError, NodeStateError, SelfDialError, TimeoutError } from "../base/errors.js";
import type { PeerRecord } from "../base/peer.js";
import type { LocalPeerState } from "./local-peer.js";
import type { PeerTable } from "./peer-table.js";
import { PendingRequests } from "./pending-requests.js";

/** What the dialler asks the pool. */
export interface DialerParts {
  readonly transport: Transport;
  readonly self: LocalPeerState;
  readonly peers: PeerTable;
  readonly clock: Clock;
  /** How long `connect()` waits for the handshake, in milliseconds (`limits.requestTimeoutMs`). */
  readonly handshakeTimeoutMs: number;
  /** Whether `connection` is now the bound connection of its peer. */
  readonly isBound: (connection: Connection) => boolean;
  /** Why the far end refused `connection`, when it said so (REFUSED), as the error to report. */
  readonly refusalOf: (connection: Connection) => Error | undefined;
}

/** Dials addresses, and settles the callers waiting on a connection's handshake. */
export class Dialer {
  private readonly dialing = new Map<string, Promise<Connection>>();
  /** `connect()` calls waiting for the handshake on a connection they dialled. */
  private readonly handshakes: PendingRequests<Connection, PeerRecord>;
  private stopped = false;

  constructor(private readonly parts: DialerParts) {
    this.handshakes = new PendingRequests(parts.clock);
  }

  /** Opens a connection to an address (one dial per address at a time; concurrent callers share it). */
  dial(host: string, port: number, options: DialOptions = {}): Promise<Connection> {
    if (this.stopped) return Promise.reject(new NodeStateError("The node is shut down; create a new node to dial."));
    const own = this.parts.self.address;
    if (host === own.host && port === own.port) return Promise.reject(new SelfDialError(host, port));
    const key = `${host}:${port}`;
    let pending = this.dialing.get(key);
    if (!pending) {
      pending = this.parts.transport.dial(host, port, options).finally(() => this.dialing.delete(key));
      this.dialing.set(key, pending);
    }
    return pending;
  }

  /**
   * Dials an address and waits until the handshake binds the connection to a peer (the ping plugin
   * performs it). Resolves at once when a connected peer already advertised that address.
   */
  async connect(host: string, port: number, options: DialOptions = {}): Promise<PeerRecord> {
    const { peers } = this.parts;
    const known = peers.findByAddress(host, port);
    if (known?.connected) return known;
    const connection = await this.dial(host, port, options);
    if (this.parts.isBound(connection)) return peers.find(connection.peerId!)!;
    if (connection.closed) throw this.closeError(connection, "the connection closed before the handshake");
    const what = `The handshake with ${host}:${port}`;
    return this.handshakes.wait(connection, this.parts.handshakeTimeoutMs, what).catch((error: unknown) => {
      if (error instanceof TimeoutError) connection.close("handshake timeout");
      throw error;
    });
  }

  /** Resolves a connection's handshake waiters with its peer, or rejects them with `error`. */
  settle(connection: Connection, error: Error | undefined): void {
    if (!this.handshakes.has(connection)) return;
    const { peers } = this.parts;
    const peerId = connection.peerId;
    // A dialler whose connection lost a duplicate race never saw a PONG on it; the peer it reached may
    // still be connected over the other connection, found by the address it dialled.
    const peer =
      peerId !== undefined
        ? peers.find(peerId)
        : connection.direction === "outbound"
          ? peers.findByAddress(connection.remote.host, connection.remote.port)
          : undefined;
    if (peer?.connected) this.handshakes.resolve(connection, peer);
    else this.handshakes.reject(connection, error ?? new DialError(connection.remote.host, connection.remote.port, "the handshake was refused"));
  }

  /**
   * `connection` closed, for `cause`: its handshake waiters, if any, get its peer or, failing that, the
   * refusal its far end sent (`refusalOf`) or a `DialError` naming the cause.
   */
  closed(connection: Connection, cause: string): void {
    if (this.handshakes.has(connection)) this.settle(connection, this.closeError(connection, cause));
  }

  /** Why a dial whose connection closed failed: a refusal by the far end wins over the plain cause. */
  private closeError(connection: Connection, cause: string): Error {
    return this.parts.refusalOf(connection) ?? new DialError(connection.remote.host, connection.remote.port, cause);
  }

  /** Refuses new dials and fails every pending handshake. */
  stop(): void {
    this.stopped = true;
    this.handshakes.rejectAll(new NodeStateError("The node shut down before the handshake completed."));
  }

  /** Dials in progress. */
  get inProgress(): number {
    return this.dialing.size;
  }
}
