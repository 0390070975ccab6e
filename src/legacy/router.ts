/**
 * Routes the messages of the original Python peers onto `LegacyLink`s: one link per listening address,
 * which must be the source IP of the connection that names it. A source (an IP address) that has no
 * handshaken link is a stranger: it may introduce itself (PING, PONG) and send TEST, nothing else.
 */
import type { Socket } from "node:net";
import { BoundedMap } from "../base/bounded-map.js";
import type { Envelope } from "../base/envelope.js";
import type { Logger } from "../base/logger.js";
import type { PeerInfo } from "../base/peer.js";
import type { Connection, TransportHandlers } from "../transport/transport.js";
import { decodeLegacy, LEGACY_MAX_MESSAGE_BYTES } from "./codec.js";
import type { LegacyLimits } from "./limits.js";
import { LegacyLink } from "./link.js";
import { normaliseIp } from "./sources.js";
import { MAX_TRACKED_SOURCES, SourceRateLimiter } from "../transport/source-rate-limiter.js";
import { sourceKeyOf } from "../base/network-address.js";

/** What the router is built from. */
export interface LegacyRouterOptions {
  limits: LegacyLimits;
  logger: Logger;
  /** A legacy address gets at most one PONG (and one ADVERTISE_REPLY) this often, in milliseconds (the plugin passes `keepalive.intervalMs`). */
  pongIntervalMs: number;
  /** Registers a socket with the transport, so that closing the transport closes it. */
  track(socket: Socket): void;
  /**
   * Whether one more socket may be opened now under `limits.maxSockets` (the transport's one budget of
   * open sockets); when false, the message that needed it is dropped and counted.
   */
  admitSocket(): boolean;
  /** The time in milliseconds; default `Date.now`. */
  now?: () => number;
}

/** Counters of the legacy messages received, by what became of them. */
export interface LegacyRouterStats {
  /** Delivered to a link, or (TEST from a stranger) to the application. */
  delivered: number;
  /** Dropped: their source sent more than `limits.legacyMessagesPerSecond` (burst `legacyMessageBurst`). */
  rateLimited: number;
  /** Refused: not JSON, not a legacy message, or over 2,048 bytes. */
  malformed: number;
  /** Refused: a PING or PONG naming an address that is not the source IP of its connection. */
  addressMismatch: number;
  /** Refused: a PING or PONG claiming, for an address, another id than the peer already there. */
  idConflict: number;
  /** Dropped: a BROADCAST, ADVERTISE, ADVERTISE_REPLY (or other type) from a source with no handshaken link. */
  notHandshaken: number;
  /** PONGs not sent: the address had one less than `pongIntervalMs` ago. */
  pongsSuppressed: number;
  /** ADVERTISE_REPLYs not sent: the address had one less than `pongIntervalMs` ago. */
  repliesSuppressed: number;
  /** Source addresses whose rate is tracked now (at most `MAX_TRACKED_SOURCES`). */
  trackedSources: number;
}

type Counter = Exclude<keyof LegacyRouterStats, "trackedSources">;

/** The legacy peers of one transport, each as a `LegacyLink`. */
export class LegacyRouter {
  private readonly byAddress = new Map<string, LegacyLink>();
  private readonly rate: SourceRateLimiter;
  /** Addresses sent a PONG within the last `pongIntervalMs`. */
  private readonly ponged: BoundedMap<true>;
  /** Addresses sent an ADVERTISE_REPLY within the last `pongIntervalMs`. */
  private readonly answered: BoundedMap<true>;
  private readonly now: () => number;
  private nextId = 1;
  private readonly counters: Record<Counter, number> = {
    delivered: 0,
    rateLimited: 0,
    malformed: 0,
    addressMismatch: 0,
    idConflict: 0,
    notHandshaken: 0,
    pongsSuppressed: 0,
    repliesSuppressed: 0,
  };

  constructor(private readonly options: LegacyRouterOptions) {
    this.now = options.now ?? Date.now;
    const { legacyMessagesPerSecond, legacyMessageBurst } = options.limits;
    this.rate = new SourceRateLimiter(legacyMessagesPerSecond, legacyMessageBurst, MAX_TRACKED_SOURCES, this.now);
    this.ponged = new BoundedMap(MAX_TRACKED_SOURCES, options.pongIntervalMs);
    this.answered = new BoundedMap(MAX_TRACKED_SOURCES, options.pongIntervalMs);
  }

  /** A link to a legacy peer at a listening address, announced to the kernel (which then sends PING). */
  dial(host: string, port: number, handlers: TransportHandlers): LegacyLink {
    const existing = this.byAddress.get(addressKey(normaliseIp(host), port));
    return existing && !existing.closed ? existing : this.open(normaliseIp(host), port, "outbound", handlers);
  }

  /**
   * Handles the text a one-shot connection delivered: checks its source's rate, decodes it through the
   * envelope validation every frame takes, delivers it where it belongs (or refuses it, counted), and
   * closes the one-shot connection. Never throws.
   */
  route(oneShot: Connection, text: string, handlers: TransportHandlers): void {
    try {
      this.handle(oneShot, text, handlers);
    } catch (error) {
      this.options.logger.error("failed to handle a legacy message; it is dropped", { connection: oneShot.id, error });
    } finally {
      oneShot.close("legacy message handled");
    }
  }

  /** The counters of legacy messages received. */
  stats(): LegacyRouterStats {
    return { ...this.counters, trackedSources: this.rate.size };
  }

  /** Closes every link. */
  closeAll(reason: string): void {
    for (const link of [...this.byAddress.values()]) link.close(reason);
  }

  private handle(oneShot: Connection, text: string, handlers: TransportHandlers): void {
    const source = normaliseIp(oneShot.remote.host);
    // Rated per source (an IPv6 host's whole /64), so rotating addresses buys no more messages.
    const admission = this.rate.admit(sourceKeyOf(source));
    if (admission !== "admitted") {
      this.counters.rateLimited++;
      const { legacyMessagesPerSecond, legacyMessageBurst } = this.options.limits;
      const fields = { source, limit: `limits.legacyMessagesPerSecond ${legacyMessagesPerSecond}, limits.legacyMessageBurst ${legacyMessageBurst}` };
      if (admission === "started-limiting") this.options.logger.warn("dropping legacy messages from a source over its rate", fields);
      else this.options.logger.debug("dropped a legacy message: its source is over its rate", fields);
      return;
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > LEGACY_MAX_MESSAGE_BYTES) {
      this.refuse(oneShot, "malformed", `a legacy message of ${bytes} bytes; legacy peers send at most ${LEGACY_MAX_MESSAGE_BYTES}`);
      return;
    }
    const decoded = decodeLegacy(text, this.options.limits.maxJsonDepth);
    if (!decoded.ok) {
      this.refuse(oneShot, "malformed", decoded.reason);
      return;
    }
    const envelope = decoded.envelope;
    if (envelope.msg_type === "PING" || envelope.msg_type === "PONG") {
      this.introduce(oneShot, source, envelope, handlers);
      return;
    }
    // A forwarded BROADCAST keeps its author as originator: any handshaken link of the source carries it.
    const link = this.linkOf(source, envelope.originator, envelope.msg_type === "BROADCAST");
    if (link) {
      this.counters.delivered++;
      link.receive(envelope);
    } else if (envelope.msg_type === "TEST") {
      // The original peers send TEST to nodes they never greeted: it only reaches the application.
      this.counters.delivered++;
      handlers.frame(oneShot, envelope);
    } else {
      this.counters.notHandshaken++;
      this.options.logger.debug("dropped a legacy message from a source that has not completed the handshake", {
        source,
        msg_type: envelope.msg_type,
        originator: envelope.originator,
      });
    }
  }

  /** A PING or PONG: the sender's listening address, which must be on the IP it sent from. */
  private introduce(oneShot: Connection, source: string, envelope: Envelope, handlers: TransportHandlers): void {
    const info = envelope.msg as PeerInfo;
    if (normaliseIp(info.host) !== source) {
      this.refuse(
        oneShot,
        "addressMismatch",
        `legacy ${envelope.msg_type} names the address ${info.host}:${info.port} but came from ${source}: a legacy peer's address must be the source IP of its connection`,
      );
      return;
    }
    const key = addressKey(source, info.port);
    let link = this.byAddress.get(key);
    if (link && !link.closed && link.peerId !== undefined && link.peerId !== info.id) {
      this.refuse(oneShot, "idConflict", `legacy ${envelope.msg_type} claims the id ${info.id} for ${key}, the address of the peer ${link.peerId}: one address is one peer`);
      return;
    }
    if (!link || link.closed) link = this.open(source, info.port, "inbound", handlers);
    envelope.msg = { ...info, host: source } satisfies PeerInfo;
    this.counters.delivered++;
    link.receive(envelope);
  }

  /**
   * A handshaken link of `source`: the one bound to `originator`, or with `anyOfSource`, whichever is
   * bound there; undefined when the source has none.
   */
  private linkOf(source: string, originator: string, anyOfSource: boolean): LegacyLink | undefined {
    let fallback: LegacyLink | undefined;
    for (const link of this.byAddress.values()) {
      if (link.closed || link.peerId === undefined || link.remote.host !== source) continue;
      if (link.peerId === originator) return link;
      fallback ??= link;
    }
    return anyOfSource ? fallback : undefined;
  }

  private refuse(oneShot: Connection, counter: Counter, reason: string): void {
    this.counters[counter]++;
    oneShot.rejectFrame(reason);
  }

  private open(host: string, port: number, direction: "inbound" | "outbound", handlers: TransportHandlers): LegacyLink {
    const key = addressKey(host, port);
    const link = new LegacyLink({
      id: `legacy-${this.nextId++}`,
      direction,
      remote: { host, port },
      limits: this.options.limits,
      logger: this.options.logger,
      handlers,
      track: (socket) => this.options.track(socket),
      admitSocket: () => this.options.admitSocket(),
      admitPong: () => {
        if (this.ponged.add(key, true, this.now())) return true;
        this.counters.pongsSuppressed++;
        return false;
      },
      admitAdvertiseReply: () => {
        if (this.answered.add(key, true, this.now())) return true;
        this.counters.repliesSuppressed++;
        return false;
      },
    });
    this.byAddress.set(key, link);
    void link.untilDisconnected().then(() => {
      if (this.byAddress.get(key) === link) this.byAddress.delete(key);
    });
    handlers.connection(link);
    return link;
  }
}

function addressKey(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
