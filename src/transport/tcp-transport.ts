/** The default transport: long-lived TCP connections carrying newline-delimited JSON (DESIGN.md §2). */
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { DialError, ListenError, NodeStateError, PluginNotLoadedError } from "../base/errors.js";
import type { LogFields, Logger } from "../base/logger.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import type { TransportLimits } from "./limits.js";
import { TcpConnection, type TcpConnectionOptions } from "./tcp-connection.js";
import { NDJSON_DIALECT, type Address, type Connection, type Dialect, type DialOptions, type Transport, type TransportHandlers } from "./transport.js";
import { addressOf, secureHandshake } from "./secure-channel.js";
import { SecureAcceptor, type SecureTransportOptions } from "./secure-acceptor.js";
import { errorMessage } from "../base/error-message.js";

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
 * How a TCP transport reaches peers of a dialect other than NDJSON: registered with
 * `TcpTransport.registerDialect` by the plugin that provides the dialect.
 */
export interface DialectDialer {
  /**
   * A connection to the peer listening at that address, announced to the kernel through
   * `handlers.connection` (it may be one already open). Called for `dial(host, port, { dialect })`.
   */
  dial(host: string, port: number, handlers: TransportHandlers): Connection | Promise<Connection>;
  /** Closes the dialect's connections; called first when the transport closes. */
  close?(reason: string): void;
}

/**
 * Receives the text of a connection that sent one unterminated message and closed, and nothing else
 * (a wire of one connection per message). The handler owns the connection from then on (it closes it).
 */
export type OneShotMessageHandler = (connection: TcpConnection, text: string, handlers: TransportHandlers) => void;

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
  /** Every socket not yet closed: connections, refused inbound sockets and dials in progress. */
  private readonly sockets = new Set<Socket>();
  private readonly socketClosed = new WeakMap<Socket, Promise<void>>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  /** Dialers of the dialects other than NDJSON, by name. */
  private readonly dialers = new Map<Dialect, DialectDialer>();
  /** Where a connection's one unterminated message goes; without it, the text is a final NDJSON frame. */
  private oneShotHandler: OneShotMessageHandler | undefined;
  private readonly overBudget: ThrottledWarning;
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
    this.acceptor = secure && new SecureAcceptor(secure, this.handshakeFailed);
    this.overBudget = new ThrottledWarning(logger, "refused a socket: the node holds limits.maxSockets sockets");
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
    if (name === NDJSON_DIALECT || this.dialers.has(name)) {
      throw new NodeStateError(`The dialect "${name}" is already spoken by this TCP transport; register each dialect once.`);
    }
    this.dialers.set(name, dialer);
    return () => {
      if (this.dialers.get(name) === dialer) this.dialers.delete(name);
    };
  }

  /**
   * Hands the text of each connection accepted or dialled from now on that sends one unterminated
   * message and closes (and sent nothing before) to `handler`, instead of decoding it as a final NDJSON
   * frame. One handler at a time. Returns the function that removes it.
   */
  handleOneShotMessages(handler: OneShotMessageHandler): () => void {
    if (this.oneShotHandler) throw new NodeStateError("This TCP transport already has a one-shot message handler; only one extension may take them.");
    this.oneShotHandler = handler;
    return () => {
      if (this.oneShotHandler === handler) this.oneShotHandler = undefined;
    };
  }

  /**
   * Whether one more socket may be opened now within `limits.maxSockets`. When not, logs the throttled
   * over-budget warning (with `fields`); the caller drops what needed the socket.
   */
  admitSocket(fields: LogFields = {}): boolean {
    if (this.sockets.size < this.limits.maxSockets) return true;
    this.overBudget.warn({ ...fields, maxSockets: this.limits.maxSockets });
    return false;
  }

  /**
   * Counts a socket an extension opened against `limits.maxSockets` until it has closed, and makes
   * `close()` destroy it and wait for it.
   */
  track(socket: Socket): void {
    this.sockets.add(socket);
    this.socketClosed.set(
      socket,
      new Promise((resolve) => {
        socket.once("close", () => {
          this.sockets.delete(socket);
          resolve();
        });
      }),
    );
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
    if (dialect !== NDJSON_DIALECT) return this.dialDialect(dialect, host, port, handlers);

    if (this.sockets.size >= this.limits.maxSockets) {
      this.overBudget.warn({ dial: `${host}:${port}`, maxSockets: this.limits.maxSockets });
      return Promise.reject(new DialError(host, port, `the node already holds ${this.sockets.size} sockets (limits.maxSockets ${this.limits.maxSockets})`));
    }
    const socket = connect({ host, port });
    this.track(socket);
    return new Promise<TcpConnection>((resolve, reject) => {
      const timeoutMs = this.limits.dialTimeoutMs;
      const fail = (reason: string, cause?: unknown): void => {
        clearTimeout(timer);
        socket.off("connect", onConnect);
        socket.off("error", onError);
        socket.off("close", onClose);
        socket.destroy();
        reject(new DialError(host, port, reason, { cause }));
      };
      const onError = (error: NodeJS.ErrnoException): void => fail(error.code ?? error.message, error);
      const onClose = (): void => fail("the transport was closed while dialling");
      const onConnect = (): void => {
        clearTimeout(timer);
        socket.off("error", onError);
        socket.off("close", onClose);
        if (this.closing) {
          fail("the transport was closed while dialling");
          return;
        }
        if (!this.secure) {
          resolve(this.adopt(socket, "outbound", handlers, undefined));
          return;
        }
        secureHandshake(this.secure.channel, socket, "client", this.secure.handshakeTimeoutMs).then(
          ({ socket: secured, peerId }) => {
            if (this.closing) {
              secured.destroy();
              reject(new DialError(host, port, "the transport was closed while dialling"));
            } else resolve(this.adopt(secured, "outbound", handlers, peerId, addressOf(socket)));
          },
          (error: unknown) => {
            // The DialError carries the reason to whoever dialled, who reports it (a /join, a bootstrap warning).
            this.logger.debug("could not open a secure connection", { dial: `${host}:${port}`, reason: errorMessage(error) });
            reject(new DialError(host, port, errorMessage(error), { cause: error }));
          },
        );
      };
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms (limits.dialTimeoutMs)`), timeoutMs);
      socket.once("connect", onConnect);
      socket.once("error", onError);
      socket.once("close", onClose);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const dialer of this.dialers.values()) dialer.close?.("the transport was closed");
    for (const connection of this.connections) connection.destroy("the transport was closed");
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([serverClosed, ...[...this.sockets].map((socket) => this.socketClosed.get(socket))]);
    this.server = undefined;
    this.bound = undefined;
    this.logger.debug("TCP transport closed");
  }

  private accept(socket: Socket, handlers: TransportHandlers): void {
    this.track(socket);
    if (this.closing) {
      socket.destroy();
      return;
    }
    // The socket is counted already, hence `>`.
    if (this.sockets.size > this.limits.maxSockets) {
      this.overBudget.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, maxSockets: this.limits.maxSockets });
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
      takesPlaintext: () => this.oneShotHandler !== undefined,
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
      onOneShotMessage: this.oneShotHandlerFor(handlers),
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

  /** The one-shot handler as a connection takes it, or undefined when no extension takes one-shot messages. */
  private oneShotHandlerFor(handlers: TransportHandlers): TcpConnectionOptions["onOneShotMessage"] {
    const handler = this.oneShotHandler;
    return handler && ((connection, text) => handler(connection, text, handlers));
  }

  private async dialDialect(dialect: Dialect, host: string, port: number, handlers: TransportHandlers): Promise<Connection> {
    const dialer = this.dialers.get(dialect);
    if (!dialer) throw new PluginNotLoadedError(dialect, `Dialling ${host}:${port} in the "${dialect}" dialect`);
    return dialer.dial(host, port, handlers);
  }
}

function missingHandlers(operation: string): NodeStateError {
  return new NodeStateError(`Transport.setHandlers() must be called before ${operation}().`);
}
