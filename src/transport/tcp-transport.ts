/** The default transport: long-lived TCP connections carrying newline-delimited JSON (DESIGN.md §2). */
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { DialError, ListenError, NodeStateError, PluginNotLoadedError } from "../base/errors.js";
import type { Logger } from "../base/logger.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import { LegacyRouter, type LegacyOptions, type LegacyRouterOptions } from "./legacy-router.js";
import type { TransportLimits } from "./limits.js";
import { TcpConnection } from "./tcp-connection.js";
import type { Address, Connection, DialOptions, Transport, TransportHandlers } from "./transport.js";

/**
 * A `Transport` over TCP, built by the kernel from the node's config and logger.
 *
 * Reads `config.limits`: `maxFrameBytes`, `maxBadFrames`, the rate limit and `writeTimeoutMs` per
 * connection, `dialTimeoutMs` for `dial`, and `maxSockets`: one budget for every socket the node holds
 * (inbound, outbound, dials in progress, the legacy dialect's one-shot sockets), set below the process's
 * file-descriptor limit. At the budget an inbound socket is closed at once and a dial fails with
 * ERR_DIAL_FAILED naming the limit (both logged, throttled), so the process never meets EMFILE.
 * Which connections may stay (pending budgets, `maxConnections`, peer slots) is the kernel's decision.
 */
/** The limits a `TcpTransport` reads: its own, and those of the legacy dialect it can speak. */
export type TcpTransportLimits = TransportLimits & LegacyRouterOptions["limits"];

/** What a `TcpTransport` is built from: plain values, no container. */
export interface TcpTransportOptions {
  limits: TcpTransportLimits;
  logger: Logger;
}

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
  /** Present once `enableLegacy()` was called: the original Python peers' wire is spoken too. */
  private legacy: LegacyRouter | undefined;
  /** The legacy dialect's one-shot outbound sockets still open; they count against `maxConnections` too. */
  private readonly legacySockets = new Set<Socket>();
  private readonly overBudget: ThrottledWarning;
  /** One "rejected a frame" warning for all connections: junk on many connections cannot flood the log. */
  private readonly rejectedFrame: ThrottledWarning;

  constructor(options: TcpTransportOptions) {
    const { limits, logger } = options;
    this.limits = limits;
    this.logger = logger;
    this.overBudget = new ThrottledWarning(logger, "refused a socket: the node holds limits.maxSockets sockets");
    this.rejectedFrame = new ThrottledWarning(logger, "rejected a frame");
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /**
   * Also speaks the original Python peers' wire: a connection that delivers one unterminated JSON
   * message and closes is decoded as a legacy message, and `dial(..., { dialect: "legacy" })` gives a
   * link that sends each message on a connection of its own. Called by the `legacy` plugin; returns
   * the router (for its counters). Calling it again returns the same router.
   */
  enableLegacy(options: LegacyOptions = {}): LegacyRouter {
    const handlers = this.handlers;
    if (!handlers) throw missingHandlers("enableLegacy");
    return (this.legacy ??= new LegacyRouter({
      ...options,
      handlers,
      limits: this.limits,
      logger: this.logger,
      track: (socket) => {
        this.track(socket);
        this.legacySockets.add(socket);
        socket.once("close", () => this.legacySockets.delete(socket));
      },
      admitSocket: () => this.admitLegacySocket(),
      nextId: () => String(this.nextId++),
    }));
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
    if (options.dialect === "legacy") {
      if (!this.legacy) return Promise.reject(new PluginNotLoadedError("legacy", `Dialling the legacy peer ${host}:${port}`));
      return Promise.resolve(this.legacy.dial(host, port));
    }

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
        resolve(this.adopt(socket, "outbound", handlers));
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
    this.legacy?.closeAll("the transport was closed");
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
    this.adopt(socket, "inbound", handlers);
  }

  /** Wraps a connected socket, registers it and tells the kernel. */
  private adopt(socket: Socket, direction: "inbound" | "outbound", handlers: TransportHandlers): TcpConnection {
    const connection = new TcpConnection(socket, {
      id: `tcp-${this.nextId++}`,
      direction,
      limits: this.limits,
      logger: this.logger,
      handlers,
      rejections: this.rejectedFrame,
      onOneShotMessage: this.legacy && ((oneShot, text) => this.legacy?.route(oneShot, text)),
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

  /** Whether the legacy dialect may open one more one-shot socket: within `maxSockets`, and with the connections within `maxConnections`. */
  private admitLegacySocket(): boolean {
    if (this.sockets.size >= this.limits.maxSockets) {
      this.overBudget.warn({ legacy: true, maxSockets: this.limits.maxSockets });
      return false;
    }
    return this.connections.size + this.legacySockets.size < this.limits.maxConnections;
  }

  /** Remembers a socket until it has emitted `close`, so that `close()` can wait for it. */
  private track(socket: Socket): void {
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
}

function missingHandlers(operation: string): NodeStateError {
  return new NodeStateError(`Transport.setHandlers() must be called before ${operation}().`);
}
