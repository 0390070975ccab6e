/**
 * The ping plugin: the handshake. A node that dials sends PING `{ id, host, port }` (its listening
 * address); the receiver binds the connection to that peer and answers PONG with its own; the dialler
 * binds on the PONG. `join(host, port)` resolves when the PONG arrives. A node that refuses the handshake
 * for a reason the dialler can fix (its id is taken) says so with REFUSED `{ code }` before it closes.
 */
import {
  checkPeerInfo,
  checkRefusal,
  REFUSED_TYPE,
  handles,
  inject,
  payloadCheck,
  plugin,
  TOKENS,
  type DialOptions,
  type Envelope,
  type Handshake,
  type LocalPeer,
  type MessageContext,
  type Network,
  type PeerInfo,
  type PeerRecord,
  type Refusal,
} from "../plugin-api.js";

/** The payload check of PING and PONG: `{ id, host, port }` (and an optional `nick`). */
export const peerInfoPayload = payloadCheck<PeerInfo & { nick?: string }>(checkPeerInfo);

/** The payload check of REFUSED: `{ code, id? }`. */
const refusalPayload = payloadCheck<Refusal>(checkRefusal);

/** PING/PONG: joining a network and binding each connection to a peer id. */
@plugin({ name: "ping" })
export class PingPlugin {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.Handshake) private readonly handshake: Handshake,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
  ) {}

  /** Starts greeting every connection this node dials with a PING. */
  start(): void {
    this.unsubscribe = this.network.onOpen((connection) => {
      if (connection.direction === "outbound") this.handshake.sendOn(connection, this.self.envelope("PING", this.self.info()));
    });
  }

  /** Stops greeting new connections. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Connects to a node and resolves with its identity once it answered PONG. */
  join(host: string, port: number, options: DialOptions = {}): Promise<PeerRecord> {
    return this.network.connect(host, port, options);
  }

  /** A node introduces itself: bind it, answer with our identity. */
  @handles("PING", { payload: peerInfoPayload })
  onPing(envelope: Envelope<PeerInfo>, context: MessageContext): void {
    if (envelope.msg.id !== envelope.originator) {
      context.reject("PING payload id differs from the envelope's originator");
      return;
    }
    if (this.handshake.bind(context.connection, envelope.msg)) context.reply("PONG", this.self.info());
  }

  /** The node we dialled answered: bind it. */
  @handles("PONG", { payload: peerInfoPayload })
  onPong(envelope: Envelope<PeerInfo>, context: MessageContext): void {
    if (envelope.msg.id !== envelope.originator) {
      context.reject("PONG payload id differs from the envelope's originator");
      return;
    }
    this.handshake.bind(context.connection, envelope.msg);
  }

  /** The node at the other end refuses the handshake and says why: the join fails with that reason. */
  @handles(REFUSED_TYPE, { payload: refusalPayload })
  onRefused(envelope: Envelope<Refusal>, context: MessageContext): void {
    this.handshake.refused(context.connection, envelope.msg.code);
  }
}
