/**
 * A legacy peer seen as one long-lived `Connection`. The original Python peers open a connection per
 * message; a `LegacyLink` hides that: the kernel binds it to the peer like any connection, `send`
 * opens a new TCP connection to the peer's listening address for each message, and the messages the
 * peer sends us (each on its own connection) are delivered on the link by the `LegacyRouter`.
 */
import type { Socket } from "node:net";
import type { Envelope } from "../base/envelope.js";
import { BaseConnection, type ConnectionLimits, type ConnectionOptions } from "../transport/base-connection.js";
import { encodeLegacy, LEGACY_DIALECT } from "./codec.js";
import type { LegacyLimits } from "./limits.js";
import { sendOneShot } from "./send.js";

/** The limits a link enforces on what it sends. */
export type LegacyLinkLimits = ConnectionLimits &
  Pick<LegacyLimits, "dialTimeoutMs" | "writeTimeoutMs" | "legacySocketsPerLink" | "legacyQueueSize">;

/** What a link needs besides the common connection options. */
export interface LegacyLinkOptions extends ConnectionOptions {
  limits: LegacyLinkLimits;
  /** Registers a socket with the transport, so that closing the transport closes it too. */
  track(socket: Socket): void;
  /** Whether one more socket may be opened now under the transport's socket budget. */
  admitSocket(): boolean;
  /** Whether a PONG may be sent to this peer now (at most one per address per keepalive interval). */
  admitPong(): boolean;
  /**
   * Whether an ADVERTISE_REPLY may be sent to this peer now (at most one per address per keepalive
   * interval): in the legacy dialect it costs one connection per peer listed, so each ADVERTISE would
   * otherwise buy the requester up to `legacySocketsPerLink + legacyQueueSize` connections.
   */
  admitAdvertiseReply(): boolean;
}

/**
 * A virtual connection to one legacy peer at its listening address (`remote`).
 *
 * Sending: at most `limits.legacySocketsPerLink` sockets in flight; further messages wait in a queue of
 * `limits.legacyQueueSize`, and past it (or when the transport's socket budget says no) they are dropped
 * and counted in `stats().dropped`. A socket that cannot connect within `limits.dialTimeoutMs`, is
 * refused, or whose peer does not take the message and close within `limits.writeTimeoutMs` (a tarpit)
 * means the peer is unreachable: the link closes, its sockets in flight are destroyed, its queue dropped.
 */
export class LegacyLink extends BaseConnection {
  override readonly dialect = LEGACY_DIALECT;
  /** The legacy peers answer one ADVERTISE with one ADVERTISE_REPLY per peer they know. */
  readonly splitsReplies = true;
  private readonly options: LegacyLinkOptions;
  private readonly linkLimits: LegacyLinkLimits;
  /** Sockets in flight, with the bytes of the message each carries. */
  private readonly inFlight = new Map<Socket, number>();
  private readonly queue: string[] = [];
  private queueBytes = 0;
  /** True while messages are being dropped; the warning is logged once per run of drops. */
  private dropping = false;

  constructor(options: LegacyLinkOptions) {
    super(options);
    this.options = options;
    this.linkLimits = options.limits;
  }

  /** Encodes the envelope for the legacy peer and sends each resulting message on a connection of its own. */
  send(envelope: Envelope): boolean {
    if (this.closed) return false;
    if (envelope.msg_type === "PONG" && !this.options.admitPong()) {
      this.logger.debug("PONG not sent: a legacy address gets at most one per keepalive interval", this.logFields());
      return false;
    }
    if (envelope.msg_type === "ADVERTISE_REPLY" && !this.options.admitAdvertiseReply()) {
      this.logger.debug("ADVERTISE_REPLY not sent: a legacy address gets at most one per keepalive interval", this.logFields());
      return false;
    }
    const encoded = encodeLegacy(envelope);
    if (!encoded.ok) {
      if (encoded.tooLarge) {
        this.logger.warn("refused to send a message too large for a legacy peer (ERR_LEGACY_FRAME_TOO_LARGE)", {
          ...this.logFields(),
          reason: encoded.reason,
        });
      } else {
        this.logger.debug("not sent to a legacy peer", { ...this.logFields(), reason: encoded.reason });
      }
      return false;
    }
    let sent = false;
    for (const message of encoded.messages) if (this.enqueue(message)) sent = true;
    if (sent) this.framesOut += 1;
    return sent;
  }

  /** Delivers a legacy message that arrived for this link (on a connection of its own). */
  receive(envelope: Envelope): void {
    if (this.closed) return;
    this.framesIn += 1;
    this.deliverFrame(envelope);
  }

  /** Closes the link; messages still queued are dropped, sockets in flight finish (each within its timeouts). */
  close(reason = "closed locally"): void {
    if (!this.markClosed(reason)) return;
    this.dropped += this.queue.length;
    this.queue.length = 0;
    this.queueBytes = 0;
    this.notifyDisconnect(reason);
  }

  protected override queuedBytes(): number {
    let bytes = this.queueBytes;
    for (const size of this.inFlight.values()) bytes += size;
    return bytes;
  }

  private enqueue(message: string): boolean {
    if (this.inFlight.size < this.linkLimits.legacySocketsPerLink) return this.open(message);
    if (this.queue.length < this.linkLimits.legacyQueueSize) {
      this.queue.push(message);
      this.queueBytes += Buffer.byteLength(message);
      return true;
    }
    this.drop(`${this.inFlight.size} sockets in flight (limits.legacySocketsPerLink) and ${this.queue.length} messages queued (limits.legacyQueueSize)`);
    return false;
  }

  private open(message: string): boolean {
    if (!this.options.admitSocket()) {
      this.drop("no socket left in the transport's budget (limits.maxSockets)");
      return false;
    }
    const socket = sendOneShot(
      {
        host: this.remote.host,
        port: this.remote.port,
        message,
        connectTimeoutMs: this.linkLimits.dialTimeoutMs,
        writeTimeoutMs: this.linkLimits.writeTimeoutMs,
        track: this.options.track,
      },
      (failure) => {
        this.inFlight.delete(socket);
        if (failure === undefined) this.pump();
        else this.fail(failure);
      },
    );
    this.inFlight.set(socket, Buffer.byteLength(message));
    this.dropping = false;
    return true;
  }

  /** Sends queued messages while sockets are free. */
  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.inFlight.size < this.linkLimits.legacySocketsPerLink) {
      const message = this.queue.shift()!;
      this.queueBytes -= Buffer.byteLength(message);
      this.open(message);
    }
  }

  private drop(reason: string): void {
    this.dropped += 1;
    if (this.dropping) return;
    this.dropping = true;
    this.logger.warn("dropping messages to a legacy peer", { ...this.logFields(), reason });
  }

  /** The peer did not take a message: it is unreachable, as a refused connection says. */
  private fail(failure: string): void {
    if (this.closed) return;
    this.logger.debug("legacy peer unreachable", { ...this.logFields(), error: failure });
    for (const socket of this.inFlight.keys()) socket.destroy();
    this.close(`legacy peer unreachable: ${failure}`);
  }
}
