/**
 * The ping plugin: the handshake. A node that dials sends PING `{ id, host, port }` (its listening
 * address); the receiver binds the connection to that peer and answers PONG with its own; the dialler
 * binds on the PONG. `join(host, port)` resolves when the PONG arrives.
 */
import { inject } from "tsyringe";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../base/envelope.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { MessageContext } from "../kernel/message-context.js";
import { checkPeerInfo, type PeerInfo, type PeerRecord } from "../base/peer.js";
import { TOKENS } from "../kernel/tokens.js";
import type { DialOptions } from "../transport/transport.js";

/** PING/PONG: joining a network and binding each connection to a peer id. */
@plugin({ name: "ping" })
export class PingPlugin {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
  ) {}

  /** Starts greeting every connection this node dials with a PING. */
  start(): void {
    this.unsubscribe = this.connections.onOpen((connection) => {
      if (connection.direction === "outbound") connection.send(this.self.envelope("PING", this.self.info()));
    });
  }

  /** Stops greeting new connections. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Connects to a node and resolves with its identity once it answered PONG. */
  join(host: string, port: number, options: DialOptions = {}): Promise<PeerRecord> {
    return this.connections.connect(host, port, options);
  }

  /** A node introduces itself: bind it, answer with our identity. */
  @handles("PING", { payload: checkPeerInfo })
  onPing(envelope: Envelope<PeerInfo>, context: MessageContext): void {
    if (envelope.msg.id !== envelope.originator) {
      context.reject("PING payload id differs from the envelope's originator");
      return;
    }
    if (this.connections.bind(context.connection, envelope.msg)) context.reply("PONG", this.self.info());
  }

  /** The node we dialled answered: bind it. */
  @handles("PONG", { payload: checkPeerInfo })
  onPong(envelope: Envelope<PeerInfo>, context: MessageContext): void {
    if (envelope.msg.id !== envelope.originator) {
      context.reject("PONG payload id differs from the envelope's originator");
      return;
    }
    this.connections.bind(context.connection, envelope.msg);
  }
}
