/** The send side of a `TcpConnection`: frames gathered into batches, one socket write in flight at a time. */
import type { Socket } from "node:net";
import type { ConnectionLimits } from "./base-connection.js";

/** A batch of frames is written at once when it reaches this many characters (64 KiB of ASCII). */
const BATCH_FLUSH_CHARS = 64 * 1024;

/**
 * Writes a socket's frames in batches: frames added in one turn of the event loop leave in one write,
 * made on the next tick or as soon as the batch is large enough. While batches wait to be written, a
 * write timeout (`limits.writeTimeoutMs`) tells a peer that stopped reading from a slow one: the first
 * is reported to `onStalled`, with the reason, for its connection to close it.
 */
export class BatchedWriter {
  /** Frames added in this tick, not yet written to the socket. */
  private batch = "";
  /** Batches handed to the socket, and those it has finished writing: equal when nothing waits. */
  private writesIssued = 0;
  private writesDone = 0;
  private writeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly limits: Pick<ConnectionLimits, "writeTimeoutMs">,
    private readonly onStalled: (reason: string) => void,
  ) {}

  /** Bytes waiting to be sent: those the socket holds and the batch not yet handed to it. */
  get queuedBytes(): number {
    return this.socket.writableLength + this.batch.length;
  }

  /** Adds one frame (its text, without the newline) to the batch. */
  add(frame: string): void {
    // Frames sent in one turn of the event loop leave in one write, made on the next tick, or as soon as
    // the batch is large enough (so that a batch never looks like a slow reader's backlog).
    if (this.batch === "") process.nextTick(this.flush);
    this.batch += frame + "\n";
    if (this.batch.length >= BATCH_FLUSH_CHARS) this.flush();
  }

  /**
   * Hands the batch to the socket. While an earlier write is still in flight the batch waits and grows
   * (the write's callback flushes it), so a socket gets one write at a time: a TLS socket completes a
   * write only on a later turn, and a second one in the same turn costs a buffered `writev`. Bounded like
   * any queued bytes (`limits.maxQueuedBytes` counts the batch). `force` writes at once (closing).
   */
  readonly flush = (force: unknown = false): void => {
    if (this.batch === "") return;
    if (force !== true && this.writesDone < this.writesIssued) return;
    const batch = this.batch;
    this.batch = "";
    if (this.socket.destroyed) return;
    this.writesIssued += 1;
    this.socket.write(batch, () => {
      this.writesDone += 1;
      if (this.batch !== "" && this.writesDone === this.writesIssued) this.flush();
    });
    this.watchWrites();
  };

  /** Stops the write-timeout check: the socket has closed. */
  stop(): void {
    if (this.writeTimer !== undefined) clearTimeout(this.writeTimer);
  }

  /**
   * While batches wait to be written, checks every `limits.writeTimeoutMs` that at least one finished:
   * a peer that stops reading altogether (a full TCP window for that long) is closed, so that its
   * socket, and the memory queued for it, are not held for ever. A slow reader that makes progress stays.
   */
  private watchWrites(): void {
    if (this.writeTimer !== undefined || this.writesDone === this.writesIssued) return;
    const doneBefore = this.writesDone;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      if (this.socket.destroyed || this.writesDone === this.writesIssued) return;
      if (this.writesDone === doneBefore) {
        this.onStalled(`write timeout: nothing could be written for ${this.limits.writeTimeoutMs} ms (limits.writeTimeoutMs)`);
        return;
      }
      this.watchWrites();
    }, this.limits.writeTimeoutMs);
  }
}
