/**
 * What every connection does the same way whatever carries its bytes: turning a frame's text into an
 * envelope for the kernel, counting bad frames, logging with the connection's identity, and calling
 * `disconnect` exactly once.
 */
import { parseFrame, encodeEnvelope, type Envelope } from "../base/envelope.js";
import type { TransportLimits } from "./limits.js";
import type { LogFields, Logger } from "../base/logger.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import { NDJSON_DIALECT, NOT_A_PEERKIT_NODE, type Address, type Connection, type ConnectionStats, type Dialect, type TransportHandlers } from "./transport.js";

/** The limits a connection enforces on the frames it receives and the bytes it queues. */
export type ConnectionLimits = Pick<TransportLimits, "maxFrameBytes" | "maxBadFrames" | "maxQueuedBytes" | "maxFramesPerSecond" | "frameBurst" | "writeTimeoutMs"> &
  Partial<Pick<TransportLimits, "maxJsonDepth">>;

/** What a connection is built from, apart from its byte carrier. */
export interface ConnectionOptions {
  id: string;
  direction: "inbound" | "outbound";
  remote: Address;
  limits: ConnectionLimits;
  logger: Logger;
  handlers: TransportHandlers;
  /** The peer id the far end proved in a secure handshake (see `Connection.provenPeerId`). */
  provenPeerId?: string;
  /**
   * The warning "rejected a frame", shared by a transport's connections so that many connections
   * sending junk cannot flood the log (written once, then at most once per interval, the rest at debug).
   * Without it, every rejection is a warn line.
   */
  rejections?: ThrottledWarning;
}

/**
 * The shared half of a `Connection`. Subclasses carry the bytes: they call `receiveText` for each
 * frame, `markClosed` when they start closing, and `notifyDisconnect` once the link is fully down.
 */
export abstract class BaseConnection implements Connection {
  readonly id: string;
  readonly direction: "inbound" | "outbound";
  readonly remote: Address;
  readonly provenPeerId: string | undefined;
  peerId: string | undefined = undefined;
  readonly dialect: Dialect = NDJSON_DIALECT;

  protected readonly limits: ConnectionLimits;
  protected readonly logger: Logger;
  private readonly handlers: TransportHandlers;
  private readonly rejections: ThrottledWarning | undefined;
  private isClosed = false;
  private closeReason: string | undefined;
  private disconnected = false;
  private badFrames = 0;
  /** Valid frames received; subclasses count frames sent, dropped and throttles. */
  protected framesIn = 0;
  protected framesOut = 0;
  protected dropped = 0;
  protected throttled = 0;
  private readonly whenDisconnected: Promise<void>;
  private resolveDisconnected!: () => void;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.direction = options.direction;
    this.remote = options.remote;
    this.provenPeerId = options.provenPeerId;
    this.limits = options.limits;
    this.logger = options.logger;
    this.handlers = options.handlers;
    this.rejections = options.rejections;
    this.whenDisconnected = new Promise((resolve) => {
      this.resolveDisconnected = resolve;
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves once `disconnect` has been called for this connection. */
  untilDisconnected(): Promise<void> {
    return this.whenDisconnected;
  }

  abstract send(envelope: Envelope, encoded?: string): boolean;
  abstract close(reason?: string): void;

  /** Bytes queued for sending; 0 unless the subclass buffers. */
  protected queuedBytes(): number {
    return 0;
  }

  stats(): ConnectionStats {
    return {
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      badFrames: this.badFrames,
      dropped: this.dropped,
      queuedBytes: this.queuedBytes(),
      throttled: this.throttled,
    };
  }

  rejectFrame(reason: string): void {
    if (this.isClosed) return;
    this.badFrames += 1;
    const fields = { ...this.logFields(), reason, badFrames: this.badFrames };
    if (this.rejections) this.rejections.warn(fields);
    else this.logger.warn("rejected a frame", fields);
    if (this.badFrames > this.limits.maxBadFrames) {
      this.abort(`too many bad frames (${this.badFrames} > limits.maxBadFrames ${this.limits.maxBadFrames})`);
    }
  }

  /** Closes at once, without flushing: for a peer that misbehaves. Defaults to `close`. */
  protected abort(reason: string): void {
    this.close(reason);
  }

  /** The fields every log line about this connection carries. */
  protected logFields(): LogFields {
    return {
      connection: this.id,
      remote: `${this.remote.host}:${this.remote.port}`,
      peer: this.peerId,
    };
  }

  /** Serialises an envelope to a frame's text (no newline), or returns undefined after logging why it cannot be. */
  protected encodeFrame(envelope: Envelope): string | undefined {
    try {
      return encodeEnvelope(envelope);
    } catch (error) {
      // JSON.stringify throws on a BigInt or a cycle: a bug in the sender, reported without breaking it.
      this.logger.error("cannot serialise an envelope; nothing was sent", {
        ...this.logFields(),
        msg_type: envelope.msg_type,
        error,
      });
      return undefined;
    }
  }

  /**
   * Parses one frame's text and hands a valid envelope to the kernel, or rejects the frame (too deep for
   * `limits.maxJsonDepth` included). A signed frame the kernel already has (`handlers.knownFrame`) is
   * counted and dropped before its signed text is parsed. Throws only on a bug; the subclass's read path confines that to
   * this connection.
   */
  protected receiveText(text: string): void {
    if (this.isClosed) return;
    const result = parseFrame(text, { maxJsonDepth: this.limits.maxJsonDepth, isKnown: this.isKnown });
    if (result.ok === false) {
      if (this.direction === "outbound" && this.framesIn === 0 && this.peerId === undefined) {
        // The node dialled answered with no peerkit frame at all: reported once, by whoever dialled (the
        // DialError names the cause); a bad-frame warning per line would repeat it.
        this.badFrames += 1;
        this.logger.debug("the first reply of a dialled node is not a peerkit frame", { ...this.logFields(), reason: result.reason });
        this.abort(NOT_A_PEERKIT_NODE);
        return;
      }
      this.rejectFrame(result.reason);
      return;
    }
    this.framesIn += 1;
    if (result.ok === true) this.deliverFrame(result.envelope);
  }

  /** `handlers.knownFrame` for this connection, or undefined: then every frame is parsed in full. */
  private readonly isKnown = (msgType: string, id: string, sig: string): boolean => this.handlers.knownFrame?.(this, msgType, id, sig) === true;

  /** Hands a valid envelope to the kernel; a handler that throws is logged, never propagated. */
  protected deliverFrame(envelope: Envelope): void {
    try {
      this.handlers.frame(this, envelope);
    } catch (error) {
      this.logger.error("the frame handler threw; the connection goes on", {
        ...this.logFields(),
        msg_type: envelope.msg_type,
        error,
      });
    }
  }

  /** Marks the connection closed and remembers the first reason given; returns false if it already was. */
  protected markClosed(reason: string): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.closeReason = reason;
    return true;
  }

  /** Calls the `disconnect` handler, once, with the first reason the connection was closed for. */
  protected notifyDisconnect(fallbackReason: string): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.isClosed = true;
    const reason = this.closeReason ?? fallbackReason;
    this.logger.debug("connection closed", { ...this.logFields(), reason });
    try {
      this.handlers.disconnect(this, reason);
    } catch (error) {
      this.logger.error("the disconnect handler threw", { ...this.logFields(), error });
    } finally {
      this.resolveDisconnected();
    }
  }
}
