/**
 * An in-process transport with the TCP transport's contract and no sockets: for unit tests of plugins
 * and for the transport compliance suite.
 */
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "./limits.js";
import type { Envelope } from "../base/envelope.js";
import { DialError, FrameTooLargeError, ListenError, NodeStateError, SettleTimeoutError } from "../base/errors.js";
import { silentLogger, type Logger } from "../base/logger.js";
import { BaseConnection, type ConnectionOptions } from "./base-connection.js";
import type { Address, Connection, Transport, TransportHandlers } from "./transport.js";

/** The first port `listen(host, 0)` hands out in a `MemoryNetwork`. */
const FIRST_FREE_PORT = 40_000;
/** The first port used as the remote port of inbound connections (like a TCP ephemeral port). */
const FIRST_EPHEMERAL_PORT = 50_000;
/** Deliveries run in one go before yielding to the event loop, so a ping-pong loop cannot starve it. */
const DELIVERIES_PER_TURN = 1_000;
/** Event-loop turns `settle()` waits by default for the queue to empty before giving up. */
const DEFAULT_SETTLE_TURNS = 1_000;


/**
 * The hub that `MemoryTransport`s listen on and dial through. Nothing is global: each test makes its
 * own network and passes it to every transport that should reach the others.
 *
 * All deliveries (frames, accepted connections, disconnects) go through one FIFO queue, run
 * asynchronously and never inside the `send` or `close` that caused them, so the order of frames
 * on a connection is preserved and a close arrives after the frames sent before it.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryTransport>();
  private readonly queue: Array<() => void> = [];
  private head = 0;
  private drainScheduled = false;
  private nextFreePort = FIRST_FREE_PORT;
  private nextEphemeralPort = FIRST_EPHEMERAL_PORT;

  /** Deliveries queued and not yet run. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /**
   * Resolves once no delivery is pending, including those queued by the deliveries themselves; use it
   * in tests instead of sleeping. Rejects with `SettleTimeoutError` if the queue is still busy after
   * `maxTurns` event-loop turns (each turn runs up to 1,000 deliveries). It does not wait for timers.
   */
  async settle(maxTurns = DEFAULT_SETTLE_TURNS): Promise<void> {
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.pending === 0) return;
    }
    throw new SettleTimeoutError(maxTurns, this.pending);
  }

  /** @internal Registers a listener under `host:port`, picking a free port for port 0. */
  bind(transport: MemoryTransport, host: string, port: number): Address {
    let bound = port;
    if (bound === 0) {
      while (this.listeners.has(`${host}:${this.nextFreePort}`)) this.nextFreePort++;
      bound = this.nextFreePort++;
    } else if (this.listeners.has(`${host}:${bound}`)) {
      throw new ListenError(host, port, "EADDRINUSE (another MemoryTransport listens there)");
    }
    this.listeners.set(`${host}:${bound}`, transport);
    return { host, port: bound };
  }

  /** @internal Removes a listener. */
  unbind(address: Address): void {
    this.listeners.delete(`${address.host}:${address.port}`);
  }

  /** @internal The transport listening on `host:port`, if any. */
  lookup(host: string, port: number): MemoryTransport | undefined {
    return this.listeners.get(`${host}:${port}`);
  }

  /** @internal A fresh port number to stand for the dialler's end of a connection. */
  ephemeralPort(): number {
    return this.nextEphemeralPort++;
  }

  /** @internal Queues a delivery. */
  schedule(delivery: () => void): void {
    this.queue.push(delivery);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    let ran = 0;
    while (this.head < this.queue.length && ran < DELIVERIES_PER_TURN) {
      const delivery = this.queue[this.head]!;
      this.head++;
      ran++;
      try {
        delivery();
      } catch (error) {
        // Deliveries guard every callback they make, so this is a bug: keep the queue moving, surface it.
        setImmediate(() => this.drain());
        throw error;
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.drainScheduled = false;
    } else {
      setImmediate(() => this.drain());
    }
  }
}

/** What a `MemoryConnection` needs besides the common connection options. */
interface MemoryConnectionOptions extends ConnectionOptions {
  network: MemoryNetwork;
  onClosed: (connection: MemoryConnection) => void;
}

/**
 * One end of an in-memory link. Frames travel as text: `send` serialises with `encodeEnvelope` and the
 * far end parses with `parseEnvelope`, so the two ends never share objects and bad frames are
 * rejected exactly as on TCP.
 */
export class MemoryConnection extends BaseConnection {
  private far: MemoryConnection | undefined;
  private readonly network: MemoryNetwork;
  private readonly onClosed: (connection: MemoryConnection) => void;

  constructor(options: MemoryConnectionOptions) {
    super(options);
    this.network = options.network;
    this.onClosed = options.onClosed;
  }

  /** @internal Joins two ends into a link. */
  static link(a: MemoryConnection, b: MemoryConnection): void {
    a.far = b;
    b.far = a;
  }

  send(envelope: Envelope, encoded?: string): boolean {
    if (this.closed) return false;
    const frame = encoded ?? this.encodeFrame(envelope);
    if (frame === undefined) return false;
    this.transmit(frame);
    this.framesOut += 1;
    return true;
  }

  /**
   * Delivers arbitrary text to the far end as one frame (no newline needed, none is added): for tests
   * of malformed frames without sockets. Returns false when the connection is closed.
   */
  sendRaw(text: string): boolean {
    if (this.closed) return false;
    this.transmit(text);
    return true;
  }

  close(reason = "closed locally"): void {
    if (!this.markClosed(reason)) return;
    const far = this.far;
    this.network.schedule(() => far?.remoteClosed());
    this.network.schedule(() => this.finish());
  }

  private transmit(text: string): void {
    const far = this.far;
    if (far) this.network.schedule(() => far.receive(text));
  }

  private receive(text: string): void {
    if (this.closed) return;
    if (Buffer.byteLength(text) > this.limits.maxFrameBytes) {
      const reason = new FrameTooLargeError(this.limits.maxFrameBytes).message;
      this.logger.warn("frame too large; closing the connection", { ...this.logFields(), reason });
      this.close(reason);
      return;
    }
    // Empty lines are skipped on TCP; an empty frame is treated the same way here.
    if (text.length === 0) return;
    this.receiveText(text);
  }

  private remoteClosed(): void {
    if (this.markClosed("the remote end closed the connection")) this.finish();
  }

  private finish(): void {
    this.notifyDisconnect("connection closed");
    this.onClosed(this);
  }
}

/** How to build a `MemoryTransport`; every field is optional. */
export interface MemoryTransportOptions {
  /** The network to listen on and dial through; a fresh private one by default. */
  network?: MemoryNetwork;
  /** Where to log; silent by default. */
  logger?: Logger;
  /** Overrides of `DEFAULT_TRANSPORT_LIMITS` (`maxFrameBytes`, `maxBadFrames` and `maxSockets` apply). */
  limits?: Partial<TransportLimits>;
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

  constructor(options: MemoryTransportOptions = {}) {
    this.network = options.network ?? new MemoryNetwork();
    this.logger = options.logger ?? silentLogger;
    this.limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
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
    const outbound = this.open("outbound", { host, port }, handlers);
    const inbound = listener.open("inbound", localEnd, undefined);
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
  private open(direction: "inbound" | "outbound", remote: Address, handlers: TransportHandlers | undefined): MemoryConnection {
    const connection = new MemoryConnection({
      id: `mem-${this.nextId++}`,
      direction,
      remote,
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
      disconnect: (connection, reason) => {
        if (this.accepted.has(connection)) this.handlers?.disconnect(connection, reason);
      },
    };
  }
}

function missingHandlers(operation: string): NodeStateError {
  return new NodeStateError(`Transport.setHandlers() must be called before ${operation}().`);
}
