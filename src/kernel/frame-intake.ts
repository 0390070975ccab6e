/**
 * The hand-off of each received frame, from a connection to the dispatcher: the originator check, the
 * peer's liveness, the `message` event, and the context handlers get. Part of the connection pool,
 * which owns the connections and their peers.
 */
import type { Connection } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { Envelope } from "../base/envelope.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import type { SecurityMode } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import type { LocalPeerState } from "./local-peer.js";
import type { ConnectionView, EnvelopeExtras, MessageContext } from "./message-context.js";
import type { NodeEvents } from "./node-events.js";
import type { PeerTable } from "./peer-table.js";
import { originatorRefusal } from "./admission.js";
import { ConnectionViews } from "./connection-views.js";

/** Sends an envelope to every bound peer for which `skip` is false; returns how many were sent. */
export type SendToPeers = (envelope: Envelope, skip: (peerId: string, connection: Connection) => boolean) => number;

/** Everything a frame intake reads or calls, owned by the connection pool. */
export interface FrameIntakeParts {
  readonly security: SecurityMode;
  readonly peers: PeerTable;
  readonly dispatcher: Dispatcher;
  readonly self: LocalPeerState;
  readonly events: NodeEvents;
  readonly clock: Clock;
  /** Warned when a frame on a proven link names another node as its unsigned originator. */
  readonly refusedIdentity: ThrottledWarning;
  readonly sendToPeers: SendToPeers;
}

/** Hands each frame of a connection to the dispatcher, with the context its handlers get. */
export class FrameIntake {
  private readonly contexts = new WeakMap<Connection, MessageContext>();
  private readonly views = new ConnectionViews();
  /**
   * The time of the frames handled in this turn of the event loop (one socket read's worth, usually),
   * read once: `lastSeen` needs no finer time, and a clock read per frame cost 2 % of a 64-byte link.
   */
  private frameTime: number | undefined;
  private readonly forgetFrameTime = (): void => {
    this.frameTime = undefined;
  };

  constructor(private readonly parts: FrameIntakeParts) {}

  /** A frame parsed on `connection`: checked for its originator, then dispatched. */
  handleFrame(connection: Connection, envelope: Envelope): void {
    const { peers, events, dispatcher } = this.parts;
    const impostor = originatorRefusal(connection, envelope, this.parts.security);
    if (impostor !== undefined) {
      // On a proven link no honest node does this: the link is closed. A plaintext one is a bad frame.
      if (connection.provenPeerId === undefined) connection.rejectFrame(impostor);
      else {
        this.parts.refusedIdentity.warn({ connection: connection.id, remote: `${connection.remote.host}:${connection.remote.port}`, claimed: envelope.originator, reason: impostor });
        connection.close(impostor);
      }
      return;
    }
    const peerId = connection.peerId;
    if (peerId !== undefined) peers.touch(peerId, this.frameNow());
    events.emit("message", envelope, peerId);
    dispatcher.dispatch(envelope, this.contextOf(connection));
  }

  /**
   * Whether a signed frame is one a plugin already has (`Handlers.known`): then it is dropped unparsed,
   * only refreshing its peer's liveness. Only on a proven link bound to a peer (elsewhere the handlers
   * have refusals to make), and never while a `message` listener wants to see every frame.
   */
  isKnownFrame(connection: Connection, msgType: string, id: string, sig: string): boolean {
    const peerId = connection.peerId;
    if (peerId === undefined || connection.provenPeerId === undefined || this.parts.events.listens("message")) return false;
    if (!this.parts.dispatcher.isKnown(msgType, id, sig)) return false;
    this.parts.peers.touch(peerId, this.frameNow());
    return true;
  }

  /** The read-only view of a connection that plugins get; one per connection. */
  viewOf(connection: Connection): ConnectionView {
    return this.views.viewOf(connection);
  }

  /** The connection behind a view handed out here, or undefined for anything else. */
  connectionBehind(view: ConnectionView): Connection | undefined {
    return this.views.connectionBehind(view);
  }

  /** The clock, read at the first frame of a turn and reused until its microtasks run. */
  private frameNow(): number {
    if (this.frameTime === undefined) {
      this.frameTime = this.parts.clock.now();
      queueMicrotask(this.forgetFrameTime);
    }
    return this.frameTime;
  }

  private contextOf(connection: Connection): MessageContext {
    let context = this.contexts.get(connection);
    if (!context) {
      const { self, sendToPeers } = this.parts;
      context = Object.freeze({
        connection: this.viewOf(connection),
        get peerId() {
          return connection.peerId;
        },
        reply: (type: string, msg: unknown, extras?: EnvelopeExtras) => connection.send(self.envelope(type, msg, extras)),
        forward: (envelope: Envelope, except?: Iterable<string>) => {
          // Usually one id (the originator): a scan of a short array, not a Set per relayed message.
          const skip: readonly string[] | undefined = except === undefined || Array.isArray(except) ? (except as readonly string[] | undefined) : [...except];
          return sendToPeers(envelope, (peerId, other) => other === connection || skip?.includes(peerId) === true);
        },
        reject: (reason: string) => connection.rejectFrame(reason),
      });
      this.contexts.set(connection, context);
    }
    return context;
  }
}
