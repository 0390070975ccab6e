/** One TCP link to another node: newline-delimited JSON envelopes over a `net.Socket`. */
import type { Socket } from "node:net";
import type { Envelope } from "../base/envelope.js";
import { FrameTooLargeError } from "../base/errors.js";
import { BaseConnection, type ConnectionOptions } from "./base-connection.js";
import { FrameDecoder } from "./frame-decoder.js";
import { TokenBucket } from "./token-bucket.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import { BatchedWriter } from "./batched-writer.js";
import { PeerProtocolCheck } from "./peer-protocol-check.js";

/** What a `TcpConnection` needs besides its socket; the remote address is read from the socket. */
export type TcpConnectionOptions = Omit<ConnectionOptions, "remote"> & {
  /** The far end's address; default the socket's (a socket layered on another stream has none of its own). */
  remote?: ConnectionOptions["remote"];
  /**
   * Receives the text of a connection that sent one unterminated message and closed, and nothing
   * before it (a wire of one connection per message; `TcpTransport.handleOneShotMessages`). Without it,
   * such a text is decoded as a final NDJSON frame.
   */
  onOneShotMessage?: (connection: TcpConnection, text: string) => void;
  /** The throttled warning for inbound peers refused for the protocol they speak (secure or plaintext). */
  refusals?: ThrottledWarning;
  /**
   * A plaintext connection on a secure node: it may deliver one unterminated message and close (a
   * dialect of one connection per message), but a complete NDJSON frame closes it.
   */
  oneShotOnly?: boolean;
};

/**
 * A `Connection` over a connected `net.Socket`.
 *
 * Incoming bytes go through a `FrameDecoder`, each line through `parseEnvelope`; a valid envelope goes
 * to `handlers.frame`, a bad one counts against `limits.maxBadFrames`. A line longer than
 * `limits.maxFrameBytes` closes the connection. An unterminated line left when the remote closes is
 * delivered as a final frame (NDJSON allows a last line without newline), or to `onOneShotMessage` when
 * it is all the connection ever sent (a dialect of one connection per message).
 *
 * The whole read path (decode, parse, validate, dispatch) runs inside one guard (`readGuarded`): an
 * unexpected throw closes this connection only, logged with the peer, and never reaches the process.
 *
 * Frames sent leave in batches, one socket write at a time (`BatchedWriter`); a peer that speaks the
 * other protocol is refused with the line that says why (`PeerProtocolCheck`).
 *
 * Socket errors (ECONNRESET, EPIPE, a TLS record that fails its check, ...) are logged at debug and
 * destroy the socket; nothing here throws. `handlers.disconnect` is called exactly once, when the
 * socket has closed, with the first reason the connection went down for.
 */
export class TcpConnection extends BaseConnection {
  private readonly decoder: FrameDecoder;
  private readonly bucket: TokenBucket;
  private readonly onOneShotMessage: TcpConnectionOptions["onOneShotMessage"];
  /** Refuses a peer that speaks the other protocol (TLS to plaintext, a frame to a one-shot-only link). */
  private readonly protocol: PeerProtocolCheck;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** True while sends are being dropped because the write queue is over `limits.maxQueuedBytes`. */
  private congested = false;
  /** Frames sent, in batches: one socket write at a time, and the write timeout. */
  private readonly writer: BatchedWriter;
  /** Frames read but not yet handed to the kernel, waiting for the rate limit; `heldIndex` is the next. */
  private held: string[] = [];
  private heldIndex = 0;

  constructor(
    private readonly socket: Socket,
    options: TcpConnectionOptions,
  ) {
    super({ ...options, remote: options.remote ?? { host: socket.remoteAddress ?? "unknown", port: socket.remotePort ?? 0 } });
    this.decoder = new FrameDecoder(options.limits.maxFrameBytes);
    this.bucket = new TokenBucket(options.limits.maxFramesPerSecond, options.limits.frameBurst);
    this.onOneShotMessage = options.onOneShotMessage;
    this.protocol = new PeerProtocolCheck(this, {
      refusals: options.refusals,
      oneShotOnly: options.oneShotOnly ?? false,
      logger: this.logger,
      logFields: () => this.logFields(),
      destroy: (reason) => this.destroy(reason),
    });
    this.writer = new BatchedWriter(socket, options.limits, (reason) => this.onWritesStalled(reason));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onRemoteEnd());
    socket.on("error", (error: NodeJS.ErrnoException) => this.onSocketError(error));
    socket.on("close", () => {
      if (this.resumeTimer !== undefined) clearTimeout(this.resumeTimer);
      this.writer.stop();
      this.notifyDisconnect("connection closed");
    });
  }

  /** Bytes of an unfinished frame held in memory; never more than `limits.maxFrameBytes + 1`. */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  send(envelope: Envelope, encoded?: string): boolean {
    if (this.closed || !this.socket.writable) return false;
    if (this.writer.queuedBytes > this.limits.maxQueuedBytes) {
      this.dropped += 1;
      if (!this.congested) {
        this.congested = true;
        this.logger.warn("peer reads too slowly; dropping frames to it until its queue drains", {
          ...this.logFields(),
          queuedBytes: this.socket.writableLength,
          maxQueuedBytes: this.limits.maxQueuedBytes,
        });
        this.socket.once("drain", () => {
          this.congested = false;
          this.logger.info("peer caught up; sending again", { ...this.logFields(), dropped: this.dropped });
        });
      }
      return false;
    }
    const frame = encoded ?? this.encodeFrame(envelope);
    if (frame === undefined) return false;
    this.writer.add(frame);
    this.framesOut += 1;
    return true;
  }

  /** A peer stopped reading for `limits.writeTimeoutMs`: it is closed, with the memory queued for it. */
  private onWritesStalled(reason: string): void {
    this.logger.warn("peer stopped reading; closing the connection", { ...this.logFields(), queuedBytes: this.queuedBytes(), reason });
    this.destroy(reason);
  }

  protected override queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  /**
   * Closes gracefully: frames already queued are flushed first, then the socket is destroyed. A peer
   * that never reads can hold the flush open; `TcpTransport.close()` destroys such sockets outright.
   */
  close(reason = "closed locally"): void {
    if (!this.markClosed(reason)) return;
    this.writer.flush(true);
    if (this.socket.writableLength === 0) {
      this.socket.destroy();
    } else {
      this.socket.end(() => this.socket.destroy());
    }
  }

  /** Closes at once, dropping anything not yet written. Idempotent. */
  destroy(reason = "closed locally"): void {
    this.markClosed(reason);
    this.socket.destroy();
  }

  protected override abort(reason: string): void {
    this.destroy(reason);
  }

  /**
   * The one place where the read path (decoding, parsing, validating, handing frames to the kernel) is
   * guarded: the socket's `data` and `end` handlers and the rate limit's resume timer all run through
   * here, so nothing a peer sends can throw into an event emitter or a timer, and so stop the process.
   *
   * Expected failures never get here: bad frames are rejected (`maxBadFrames`), an oversized line closes
   * the connection, a throwing handler is logged by `deliverFrame` and the connection goes on. What does
   * get here is a bug of the read path itself, hit by what this peer sent: its decoder and held frames
   * may be half-updated, and the same bytes would hit it again, so the connection is destroyed (only it)
   * and the error logged with the peer. The peer may reconnect.
   */
  private readGuarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.held = [];
      this.heldIndex = 0;
      this.decoder.reset();
      this.destroy("internal error while reading");
      try {
        this.logger.error("failed to read from the connection; closed it", { ...this.logFields(), error });
      } catch {
        // A logger that throws must not undo the confinement.
      }
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.readGuarded(() => {
      // Inside the guard: the check logs, and a logger that throws must stay within this connection.
      if (this.protocol.refusesFirstChunk(chunk)) return;
      try {
        this.decoder.feed(chunk, (line) => this.held.push(line));
      } catch (error) {
        if (!(error instanceof FrameTooLargeError)) throw error;
        if (this.protocol.refusesFrames(this.held.length)) return;
        // The frames before the oversized one were complete: hand them over, then cut the connection.
        this.dispatchHeld(false);
        this.logger.warn("frame too large; closing the connection", {
          ...this.logFields(),
          reason: error.message,
          bytesRead: this.socket.bytesRead,
        });
        this.destroy(error.message);
        return;
      }
      if (this.protocol.refusesFrames(this.held.length)) return;
      this.dispatchHeld(true);
    });
  }

  /**
   * Hands the frames read so far to the kernel, one token of the rate limit each. A peer out of tokens
   * is slowed: reading pauses, the rest of what was read waits here (at most one read's worth), and
   * both resume when the bucket is back in credit. TCP flow control holds its further frames at the
   * sender; nothing is dropped. `limited: false` hands everything over at once (the peer is going away).
   */
  private dispatchHeld(limited: boolean): void {
    const waiting = this.held.length - this.heldIndex;
    // One charge per read, not per frame: the clock is read once for the whole batch.
    const allowed = limited ? this.bucket.takeUpTo(waiting) : waiting;
    for (let i = 0; i < allowed; i++) {
      if (this.closed && limited) return;
      this.receiveText(this.held[this.heldIndex++]!);
    }
    if (this.heldIndex < this.held.length) {
      this.pauseFor(this.bucket.msUntilToken());
      return;
    }
    this.held = [];
    this.heldIndex = 0;
  }

  private pauseFor(waitMs: number): void {
    if (this.resumeTimer !== undefined || this.closed) return;
    this.throttled += 1;
    if (this.throttled === 1) {
      this.logger.warn("peer sends faster than limits.maxFramesPerSecond; slowing it down", {
        ...this.logFields(),
        maxFramesPerSecond: this.limits.maxFramesPerSecond,
      });
    }
    this.socket.pause();
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      if (this.closed) return;
      this.readGuarded(() => this.dispatchHeld(true));
      if (this.heldIndex === 0 && this.held.length === 0) this.socket.resume();
    }, waitMs);
  }

  private onRemoteEnd(): void {
    this.readGuarded(() => this.deliverRemainder());
    this.markClosed("the remote end closed the connection");
  }

  /** The peer is gone: what it managed to send before is handed over without waiting for tokens. */
  private deliverRemainder(): void {
    this.dispatchHeld(false);
    let tail: string | undefined;
    try {
      tail = this.decoder.end();
    } catch {
      // An unterminated tail over maxFrameBytes was never held whole; there is nothing to hand over.
      tail = undefined;
    }
    // NDJSON with a final unterminated line at end of stream: the last frame needs no newline. A
    // connection whose only message is such a line is how a one-connection-per-message dialect talks.
    if (tail !== undefined) {
      const { framesIn, badFrames } = this.stats();
      if (this.onOneShotMessage && framesIn === 0 && badFrames === 0) this.onOneShotMessage(this, tail);
      else this.receiveText(tail);
    }
  }

  private onSocketError(error: NodeJS.ErrnoException): void {
    const cause = error.code ?? error.message;
    this.logger.debug("socket error; closing the connection", { ...this.logFields(), error: cause });
    // A TCP error has destroyed the socket already; a TLS error after the handshake (a record that fails
    // its authentication, an alert from the peer) has not, and the socket would stay open, never to close:
    // a peer bound for ever to a dead link that `close()` could no longer end.
    this.destroy(`socket error: ${cause}`);
  }
}
