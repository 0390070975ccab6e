/**
 * An in-process transport with the TCP transport's contract and no sockets: for unit tests of plugins
 * and for the transport compliance suite.
 */
import { DialError, NodeStateError } from "../base/errors.js";
import { silentLogger, type Logger } from "../base/logger.js";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "./limits.js";
import { MemoryConnection } from "./memory-connection.js";
import { MemoryNetwork } from "./memory-network.js";
import type { Address, Connection, Transport, TransportHandlers } from "./transport.js";

export { MemoryConnection } from "./memory-connection.js";
export { MemoryNetwork } from "./memory-network.js";

/** How to build a `MemoryTransport`; every field is optional. */
export interface MemoryTransportOptions {
  /** The network to listen on and dial through; a fresh private one by default. */
  network?: MemoryNetwork;
  /** Where to log; silent by default. */
  logger?: Logger;
  /** Overrides of `DEFAULT_TRANSPORT_LIMITS` (`maxFrameBytes`, `maxBadFrames` and `maxSockets` apply). */
  limits?: Partial<TransportLimits>;
  /**
   * The key-derived peer id this transport's end proves, as a secure channel would: each connection
   * between two transports that have one carries the other's as `provenPeerId`. In one process the
   * proof is by construction; a test gives the id of the identity it gave the node (`createNode`'s
   * `identity` override). Without it, connections are plaintext (protocol v1).
   */
  peerId?: string;
}

/**
 * A `Transport` that connects to other `MemoryTransport`s of the same `MemoryNetwork`, with the TCP
 * transport's contract: ports, directions, frame limits, bad-frame counting, `maxSockets`, and
 * exactly one asynchronous `disconnect` per connection end. Construct it by hand and give it to the
 * kernel in place of the TCP transport.
 */
export class MemoryTransport implements Transport {
  /** The network this transport belongs to; share it with the transports it should reach. */
  readonly network: MemoryNetwork;
  private readonly logger: Logger;
  private readonly limits: TransportLimits;
  private handlers: TransportHandlers | undefined;
  private bound: Address | undefined;
  private readonly connections = new Set<MemoryConnection>();
  /** Connections the kernel has been told about. */
  private readonly accepted = new WeakSet<Connection>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  /** See `MemoryTransportOptions.peerId`. */
  readonly peerId: string | undefined;

  constructor(options: MemoryTransportOptions = {}) {
    this.network = options.network ?? new MemoryNetwork();
    this.logger = options.logger ?? silentLogger;
    this.limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    this.peerId = options.peerId;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  async listen(host: string, port: number): Promise<Address> {
    if (this.closing) throw new NodeStateError("The memory transport is closed; it cannot listen again. Create a new node.");
    if (this.bound) throw new NodeStateError(`The memory transport already listens on ${this.bound.host}:${this.bound.port}.`);
    if (!this.handlers) throw missingHandlers("listen");
    this.bound = this.network.bind(this, host, port);
    this.logger.debug("listening", { host, port: this.bound.port });
    return this.bound;
  }

  address(): Address | undefined {
    return this.bound;
  }

  async dial(host: string, port: number): Promise<MemoryConnection> {
    if (this.closing) throw new NodeStateError(`The memory transport is closed; cannot dial ${host}:${port}.`);
    const handlers = this.handlers;
    if (!handlers) throw missingHandlers("dial");
    const listener = this.network.lookup(host, port);
    if (!listener) throw new DialError(host, port, "ECONNREFUSED (no MemoryTransport listens there in this network)");

    const localEnd = { host: this.bound?.host ?? "127.0.0.1", port: this.network.ephemeralPort() };
    const secured = this.peerId !== undefined && listener.peerId !== undefined;
    const outbound = this.open("outbound", { host, port }, handlers, secured ? listener.peerId : undefined);
    const inbound = listener.open("inbound", localEnd, undefined, secured ? this.peerId : undefined);
    MemoryConnection.link(outbound, inbound);
    // Queued before anything the dialler can send, so the listener sees the connection first.
    this.network.schedule(() => listener.accept(inbound));
    this.announce(outbound, handlers);
    return outbound;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.bound) this.network.unbind(this.bound);
    const connections = [...this.connections];
    for (const connection of connections) connection.close("the transport was closed");
    await Promise.all(connections.map((connection) => connection.untilDisconnected()));
    this.bound = undefined;
    this.logger.debug("memory transport closed");
  }

  /**
   * Creates one end of a link, owned by this transport. Without `handlers` (an inbound end), the
   * kernel hears of it only once `accept` has announced it.
   */
  private open(direction: "inbound" | "outbound", remote: Address, handlers: TransportHandlers | undefined, provenPeerId: string | undefined): MemoryConnection {
    const connection = new MemoryConnection({
      id: `mem-${this.nextId++}`,
      direction,
      remote,
      provenPeerId,
      limits: this.limits,
      logger: this.logger,
      handlers: handlers ?? this.handlersOnceAccepted(),
      network: this.network,
      onClosed: (closed) => this.connections.delete(closed),
    });
    this.connections.add(connection);
    return connection;
  }

  /** The inbound end arrives: refused when this transport is closed or full, else announced. */
  private accept(connection: MemoryConnection): void {
    if (connection.closed) return;
    if (this.closing || !this.handlers) {
      connection.close("the listener was closed");
      return;
    }
    // This connection is already in the set, hence `>` rather than TCP's `>=`.
    if (this.connections.size > this.limits.maxSockets) {
      this.logger.warn("refused an inbound connection: the node holds limits.maxSockets connections", {
        remote: `${connection.remote.host}:${connection.remote.port}`,
        reason: `${this.connections.size - 1} open connections >= limits.maxSockets ${this.limits.maxSockets}`,
      });
      connection.close("too many open connections (limits.maxSockets)");
      return;
    }
    this.announce(connection, this.handlers);
  }

  private announce(connection: MemoryConnection, handlers: TransportHandlers): void {
    this.accepted.add(connection);
    this.logger.debug("connection opened", { connection: connection.id, direction: connection.direction });
    try {
      handlers.connection(connection);
    } catch (error) {
      this.logger.error("the connection handler threw; closing the connection", { connection: connection.id, error });
      connection.close("the connection handler threw");
    }
  }

  /**
   * Handlers for an inbound end that forward to this transport's handlers only after `accept` has
   * announced the connection: a refused connection, like a refused TCP socket, is never reported.
   */
  private handlersOnceAccepted(): TransportHandlers {
    return {
      connection: (connection) => this.handlers?.connection(connection),
      frame: (connection, envelope) => {
        if (this.accepted.has(connection)) this.handlers?.frame(connection, envelope);
      },
      knownFrame: (connection, msgType, id, sig) => this.accepted.has(connection) && this.handlers?.knownFrame?.(connection, msgType, id, sig) === true,
      disconnect: (connection, reason) => {
        if (this.accepted.has(connection)) this.handlers?.disconnect(connection, reason);
      },
    };
  }
}

function missingHandlers(operation: string): NodeStateError {
  return new NodeStateError(`Transport.setHandlers() must be called before ${operation}().`);
}
