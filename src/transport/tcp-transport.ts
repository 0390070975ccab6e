/** The default transport: long-lived TCP connections carrying newline-delimited JSON (DESIGN.md §2). */
import { createServer, type Server, type Socket, type AddressInfo } from "node:net";
import { ListenError, NodeStateError } from "../base/errors.js";
import type { LogFields, Logger } from "../base/logger.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import type { TransportLimits } from "./limits.js";
import { TcpConnection } from "./tcp-connection.js";
import { NDJSON_DIALECT, type Address, type Connection, type Dialect, type DialOptions, type Transport, type TransportHandlers } from "./transport.js";
import { addressOf } from "./secure-channel.js";
import { SecureAcceptor, type SecureTransportOptions } from "./secure-acceptor.js";
import { DialectRegistry, type DialectDialer, type OneShotMessageHandler } from "./dialect-registry.js";
import { SocketBudget } from "./socket-budget.js";
import { dialTcp } from "./tcp-dial.js";

/** The limits a `TcpTransport` reads. */
export type TcpTransportLimits = TransportLimits;

/** What a `TcpTransport` is built from: plain values, no container. */
export interface TcpTransportOptions {
  limits: TcpTransportLimits;
  logger: Logger;
  /**
   * Protocol v2: every connection, inbound and outbound, first runs this secure channel's handshake,
   * and carries the peer id its far end proved. Without it the transport speaks plaintext protocol v1.
   */
  secure?: SecureTransportOptions;
}

/**
 * A `Transport` over TCP, built by the composition root from plain options.
 *
 * Reads `limits`: `maxFrameBytes`, `maxBadFrames`, the rate limit and `writeTimeoutMs` per connection,
 * `dialTimeoutMs` for `dial`, and `maxSockets`: one budget for every socket the node holds (inbound,
 * outbound, dials in progress, and the sockets extensions open through `track`), set below the
 * process's file-descriptor limit. At the budget an inbound socket is closed at once and a dial fails
 * with ERR_DIAL_FAILED naming the limit (both logged, throttled), so the process never meets EMFILE.
 * Which connections may stay (pending budgets, `maxConnections`, peer slots) is the kernel's decision.
 *
 * Extension points, for a plugin that teaches the transport another wire: `registerDialect` (dialling by dialect), `handleOneShotMessages` (connections that deliver
 * one unterminated message and close), and `admitSocket` / `track` / `connectionCount` (sockets opened
 * by the extension, under the transport's one socket budget).
 */
export class TcpTransport implements Transport {
  private readonly limits: TcpTransportLimits;
  private readonly logger: Logger;
  private handlers: TransportHandlers | undefined;
  private server: Server | undefined;
  private bound: Address | undefined;
  private readonly connections = new Set<TcpConnection>();
  private readonly budget: SocketBudget;
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private readonly dialects = new DialectRegistry();
  /** One "rejected a frame" warning for all connections: junk on many connections cannot flood the log. */
  private readonly rejectedFrame: ThrottledWarning;
  private readonly secure: SecureTransportOptions | undefined;
  /** Runs the server side of the secure handshakes (only with `secure`). */
  private readonly acceptor: SecureAcceptor | undefined;
  private readonly handshakeFailed: ThrottledWarning;

  constructor(options: TcpTransportOptions) {
    const { limits, logger, secure } = options;
    this.limits = limits;
    this.logger = logger;
    this.secure = secure;
    this.handshakeFailed = new ThrottledWarning(logger, "refused a connection: secure and plaintext nodes cannot connect, or the handshake failed");
    const overRate = new ThrottledWarning(logger, "refused TLS connections unanswered: their source is over its handshake rate");
    this.acceptor = secure && new SecureAcceptor(secure, this.handshakeFailed, overRate);
    this.budget = new SocketBudget(limits, logger);
    this.rejectedFrame = new ThrottledWarning(logger, "rejected a frame");
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /**
   * Teaches the transport to dial peers of another dialect: `dial(host, port, { dialect: name })` then
   * asks `dialer`. Name a dialect after the plugin that registers it: a dial in a dialect nobody
   * registered fails with ERR_PLUGIN_NOT_LOADED naming that plugin. Returns the function that removes it.
   */
  registerDialect(name: Dialect, dialer: DialectDialer): () => void {
    return this.dialects.register(name, dialer);
  }

  /**
   * Hands the text of each connection accepted or dialled from now on that sends one unterminated
   * message and closes (and sent nothing before) to `handler`, instead of decoding it as a final NDJSON
   * frame. One handler at a time. Returns the function that removes it.
   */
  handleOneShotMessages(handler: OneShotMessageHandler): () => void {
    return this.dialects.handleOneShotMessages(handler);
  }

  /**
   * Whether one more socket may be opened now within `limits.maxSockets`. When not, logs the throttled
   * over-budget warning (with `fields`); the caller drops what needed the socket.
   */
  admitSocket(fields: LogFields = {}): boolean {
    return this.budget.admit(fields);
  }

  /**
   * Counts a socket an extension opened against `limits.maxSockets` until it has closed, and makes
   * `close()` destroy it and wait for it.
   */
  track(socket: Socket): void {
    this.budget.track(socket);
  }

  /** The NDJSON connections open now (a dialect's own connections are not counted). */
  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number): Promise<Address> {
    if (this.closing) return Promise.reject(new NodeStateError("The TCP transport is closed; it cannot listen again. Create a new node."));
    if (this.server) {
      return Promise.reject(new NodeStateError(`The TCP transport already listens on ${this.bound?.host}:${this.bound?.port}.`));
    }
    const handlers = this.handlers;
    if (!handlers) return Promise.reject(missingHandlers("listen"));

    const server = createServer((socket) => this.accept(socket, handlers));
    this.server = server;
    return new Promise<Address>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        this.server = undefined;
        reject(new ListenError(host, port, error.code ?? error.message, { cause: error }));
      };
      server.once("error", onError);
      server.listen({ host, port }, () => {
        server.off("error", onError);
        server.on("error", (error) => this.logger.error("TCP server error", { error }));
        const info = server.address() as AddressInfo;
        this.bound = { host, port: info.port };
        this.logger.debug("listening", { host, port: info.port });
        resolve(this.bound);
      });
    });
  }

  address(): Address | undefined {
    return this.bound;
  }

  dial(host: string, port: number, options: DialOptions = {}): Promise<Connection> {
    if (this.closing) return Promise.reject(new NodeStateError(`The TCP transport is closed; cannot dial ${host}:${port}.`));
    const handlers = this.handlers;
    if (!handlers) return Promise.reject(missingHandlers("dial"));
    const dialect = options.dialect ?? NDJSON_DIALECT;
    if (dialect !== NDJSON_DIALECT) return this.dialects.dial(dialect, host, port, handlers);
    return dialTcp(host, port, {
      budget: this.budget,
      dialTimeoutMs: this.limits.dialTimeoutMs,
      secure: this.secure,
      logger: this.logger,
      closing: () => this.closing !== undefined,
      adopt: (socket, provenPeerId, remote) => this.adopt(socket, "outbound", handlers, provenPeerId, remote),
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    this.dialects.close("the transport was closed");
    for (const connection of this.connections) connection.destroy("the transport was closed");
    await Promise.all([serverClosed, this.budget.destroyAll()]);
    this.server = undefined;
    this.bound = undefined;
    this.logger.debug("TCP transport closed");
  }

  private accept(socket: Socket, handlers: TransportHandlers): void {
    this.budget.track(socket);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (!this.budget.admitTracked({ remote: `${socket.remoteAddress}:${socket.remotePort}` })) {
      // A reset racing the destroy must not surface as an unhandled 'error' event.
      socket.on("error", () => {});
      socket.destroy();
      return;
    }
    if (this.acceptor) this.acceptSecure(socket, this.acceptor, handlers);
    else this.adopt(socket, "inbound", handlers, undefined);
  }

  /**
   * A secure node's inbound socket: its handshake runs in the acceptor; a plaintext socket is kept only
   * for a dialect's one-shot message (the legacy peers', plaintext by nature).
   */
  private acceptSecure(socket: Socket, acceptor: SecureAcceptor, handlers: TransportHandlers): void {
    acceptor.accept(socket, {
      closing: () => this.closing !== undefined,
      takesPlaintext: () => this.dialects.takesOneShots,
      secured: (secured, peerId, remote) => this.adopt(secured, "inbound", handlers, peerId, remote),
      plaintext: () => this.adopt(socket, "inbound", handlers, undefined, addressOf(socket), true),
    });
  }

  /** Wraps a connected (or secured) socket, registers it and tells the kernel. */
  private adopt(
    socket: Socket,
    direction: "inbound" | "outbound",
    handlers: TransportHandlers,
    provenPeerId: string | undefined,
    remote: Address = addressOf(socket),
    oneShotOnly = false,
  ): TcpConnection {
    const connection = new TcpConnection(socket, {
      id: `tcp-${this.nextId++}`,
      direction,
      remote,
      provenPeerId,
      limits: this.limits,
      logger: this.logger,
      handlers,
      rejections: this.rejectedFrame,
      refusals: this.handshakeFailed,
      oneShotOnly,
      onOneShotMessage: this.dialects.oneShotHandlerFor(handlers),
    });
    this.connections.add(connection);
    socket.once("close", () => this.connections.delete(connection));
    this.logger.debug("connection opened", { connection: connection.id, direction, remote: `${connection.remote.host}:${connection.remote.port}` });
    try {
      handlers.connection(connection);
    } catch (error) {
      this.logger.error("the connection handler threw; closing the connection", { connection: connection.id, error });
      connection.destroy("the connection handler threw");
    }
    return connection;
  }
}

function missingHandlers(operation: string): NodeStateError {
  return new NodeStateError(`Transport.setHandlers() must be called before ${operation}().`);
}
