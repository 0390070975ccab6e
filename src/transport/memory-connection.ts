/** One end of an in-memory link: a `Connection` whose frames travel through a `MemoryNetwork`. */
import type { Envelope } from "../base/envelope.js";
import { FrameTooLargeError } from "../base/errors.js";
import { BaseConnection, type ConnectionOptions } from "./base-connection.js";
import type { MemoryNetwork } from "./memory-network.js";

/** What a `MemoryConnection` needs besides the common connection options. */
export interface MemoryConnectionOptions extends ConnectionOptions {
  network: MemoryNetwork;
  onClosed: (connection: MemoryConnection) => void;
}

/**
 * One end of an in-memory link. Frames travel as text: `send` serialises with `encodeEnvelope` and the
 * far end parses with `parseEnvelope`, so the two ends never share objects and bad frames are
 * rejected exactly as on TCP.
 */
export class MemoryConnection extends BaseConnection {
  private far: MemoryConnection | undefined;
  private readonly network: MemoryNetwork;
  private readonly onClosed: (connection: MemoryConnection) => void;

  constructor(options: MemoryConnectionOptions) {
    super(options);
    this.network = options.network;
    this.onClosed = options.onClosed;
  }

  /** @internal Joins two ends into a link. */
  static link(a: MemoryConnection, b: MemoryConnection): void {
    a.far = b;
    b.far = a;
  }

  send(envelope: Envelope, encoded?: string): boolean {
    if (this.closed) return false;
    const frame = encoded ?? this.encodeFrame(envelope);
    if (frame === undefined) return false;
    this.transmit(frame);
    this.framesOut += 1;
    return true;
  }

  /**
   * Delivers arbitrary text to the far end as one frame (no newline needed, none is added): for tests
   * of malformed frames without sockets. Returns false when the connection is closed.
   */
  sendRaw(text: string): boolean {
    if (this.closed) return false;
    this.transmit(text);
    return true;
  }

  close(reason = "closed locally"): void {
    if (!this.markClosed(reason)) return;
    const far = this.far;
    this.network.schedule(() => far?.remoteClosed());
    this.network.schedule(() => this.finish());
  }

  private transmit(text: string): void {
    const far = this.far;
    if (far) this.network.schedule(() => far.receive(text));
  }

  private receive(text: string): void {
    if (this.closed) return;
    if (Buffer.byteLength(text) > this.limits.maxFrameBytes) {
      const reason = new FrameTooLargeError(this.limits.maxFrameBytes).message;
      this.logger.warn("frame too large; closing the connection", { ...this.logFields(), reason });
      this.close(reason);
      return;
    }
    // Empty lines are skipped on TCP; an empty frame is treated the same way here.
    if (text.length === 0) return;
    this.receiveText(text);
  }

  private remoteClosed(): void {
    if (this.markClosed("the remote end closed the connection")) this.finish();
  }

  private finish(): void {
    this.notifyDisconnect("connection closed");
    this.onClosed(this);
  }
}
