/**
 * The wires a plugin teaches the TCP transport besides NDJSON: the dialers of other dialects, by name,
 * and the one handler of one-shot messages (connections that deliver one unterminated message and close).
 */
import { NodeStateError, PluginNotLoadedError } from "../base/errors.js";
import type { TcpConnection, TcpConnectionOptions } from "./tcp-connection.js";
import { NDJSON_DIALECT, type Connection, type Dialect, type TransportHandlers } from "./transport.js";

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

/** The dialers of the dialects other than NDJSON and the one-shot message handler of one TCP transport. */
export class DialectRegistry {
  /** Dialers of the dialects other than NDJSON, by name. */
  private readonly dialers = new Map<Dialect, DialectDialer>();
  /** Where a connection's one unterminated message goes; without it, the text is a final NDJSON frame. */
  private oneShotHandler: OneShotMessageHandler | undefined;

  /** Adds a dialect's dialer (see `TcpTransport.registerDialect`); returns the function that removes it. */
  register(name: Dialect, dialer: DialectDialer): () => void {
    if (name === NDJSON_DIALECT || this.dialers.has(name)) {
      throw new NodeStateError(`The dialect "${name}" is already spoken by this TCP transport; register each dialect once.`);
    }
    this.dialers.set(name, dialer);
    return () => {
      if (this.dialers.get(name) === dialer) this.dialers.delete(name);
    };
  }

  /** Sets the one one-shot message handler (see `TcpTransport.handleOneShotMessages`); returns the function that removes it. */
  handleOneShotMessages(handler: OneShotMessageHandler): () => void {
    if (this.oneShotHandler) throw new NodeStateError("This TCP transport already has a one-shot message handler; only one extension may take them.");
    this.oneShotHandler = handler;
    return () => {
      if (this.oneShotHandler === handler) this.oneShotHandler = undefined;
    };
  }

  /** Whether an extension takes one-shot messages now. */
  get takesOneShots(): boolean {
    return this.oneShotHandler !== undefined;
  }

  /** The one-shot handler as a connection takes it, or undefined when no extension takes one-shot messages. */
  oneShotHandlerFor(handlers: TransportHandlers): TcpConnectionOptions["onOneShotMessage"] {
    const handler = this.oneShotHandler;
    return handler && ((connection, text) => handler(connection, text, handlers));
  }

  /** Dials `host:port` in `dialect` through its dialer; ERR_PLUGIN_NOT_LOADED when nobody registered it. */
  async dial(dialect: Dialect, host: string, port: number, handlers: TransportHandlers): Promise<Connection> {
    const dialer = this.dialers.get(dialect);
    if (!dialer) throw new PluginNotLoadedError(dialect, `Dialling ${host}:${port} in the "${dialect}" dialect`);
    return dialer.dial(host, port, handlers);
  }

  /** Closes every dialect's connections (the transport is closing). */
  close(reason: string): void {
    for (const dialer of this.dialers.values()) dialer.close?.(reason);
  }
}
