/**
 * Routes the messages of the original Python peers onto `LegacyLink`s: one link per legacy peer,
 * found by the listening address its PING or PONG names, or by its id for every other message.
 */
import type { Socket } from "node:net";
import type { Limits } from "../kernel/config.js";
import type { Envelope } from "../kernel/envelope.js";
import type { Logger } from "../kernel/logger.js";
import type { PeerInfo } from "../kernel/peer.js";
import { decodeLegacy } from "./legacy-codec.js";
import { LegacyLink } from "./legacy-link.js";
import type { Connection, TransportHandlers } from "./transport.js";

/** What the router needs from its transport. */
export interface LegacyRouterOptions {
  handlers: TransportHandlers;
  limits: Limits;
  logger: Logger;
  /** Registers a socket with the transport, so that closing the transport closes it. */
  track(socket: Socket): void;
  /**
   * Whether one more socket may be opened now under `limits.maxSockets` (the transport's one budget of
   * open sockets); when false, the message that needed it is dropped and counted.
   */
  admitSocket(): boolean;
  /** A fresh connection id. */
  nextId(): string;
}

/** The legacy peers of one transport, each as a `LegacyLink`. */
export class LegacyRouter {
  private readonly byAddress = new Map<string, LegacyLink>();
  private readonly byId = new Map<string, LegacyLink>();

  constructor(private readonly options: LegacyRouterOptions) {}

  /** A link to a legacy peer at a listening address, announced to the kernel (which then sends PING). */
  dial(host: string, port: number): LegacyLink {
    return this.byAddress.get(`${host}:${port}`) ?? this.open(host, port, "outbound");
  }

  /**
   * Handles the text a one-shot connection delivered: decodes it, finds or makes the sender's link,
   * delivers it there, and closes the one-shot connection.
   */
  route(oneShot: Connection, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      oneShot.rejectFrame("legacy message is not valid JSON");
      oneShot.close("legacy message handled");
      return;
    }
    const decoded = decodeLegacy(value);
    if (!decoded.ok) {
      oneShot.rejectFrame(decoded.reason);
      oneShot.close("legacy message handled");
      return;
    }
    this.linkFor(decoded.envelope).receive(decoded.envelope);
    oneShot.close("legacy message handled");
  }

  /** Closes every link. */
  closeAll(reason: string): void {
    for (const link of new Set([...this.byAddress.values(), ...this.byId.values()])) link.close(reason);
  }

  private linkFor(envelope: Envelope): LegacyLink {
    if (envelope.msg_type === "PING" || envelope.msg_type === "PONG") {
      const { id, host, port } = envelope.msg as PeerInfo;
      const link = this.byAddress.get(`${host}:${port}`) ?? this.byId.get(id) ?? this.open(host, port, "inbound");
      this.byId.set(id, link);
      return link;
    }
    const known = this.byId.get(envelope.originator);
    if (known) return known;
    // A message from a node that never introduced itself (a BROADCAST forwarded by a legacy peer keeps
    // its originator): a link of its own, never announced, that cannot be written to.
    const stranger = this.create({ host: "unknown", port: 0 }, "inbound");
    stranger.peerId = envelope.originator;
    return stranger;
  }

  private open(host: string, port: number, direction: "inbound" | "outbound"): LegacyLink {
    const link = this.create({ host, port }, direction);
    this.byAddress.set(`${host}:${port}`, link);
    void link.untilDisconnected().then(() => {
      if (this.byAddress.get(`${host}:${port}`) === link) this.byAddress.delete(`${host}:${port}`);
      for (const [id, other] of this.byId) if (other === link) this.byId.delete(id);
    });
    this.options.handlers.connection(link);
    return link;
  }

  private create(remote: { host: string; port: number }, direction: "inbound" | "outbound"): LegacyLink {
    return new LegacyLink({
      id: `legacy-${this.options.nextId()}`,
      direction,
      remote,
      limits: this.options.limits,
      logger: this.options.logger,
      handlers: this.options.handlers,
      track: (socket) => this.options.track(socket),
    });
  }
}
