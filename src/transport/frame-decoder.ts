/**
 * Splits a byte stream into newline-delimited frames (DESIGN.md §2: "A frame is one JSON object in
 * UTF-8 followed by `\n`") while keeping memory bounded by `limits.maxFrameBytes`.
 */
import { FrameTooLargeError } from "../base/errors.js";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Turns chunks of bytes into complete lines of text.
 *
 * - A line ends at `\n`; a trailing `\r` is stripped (so CRLF works, e.g. from `nc -C` or telnet) and
 *   does not count against the limit; empty lines are skipped.
 * - Bytes are decoded as UTF-8 only once their line is complete, so a multi-byte character split across
 *   chunks decodes correctly.
 * - A line longer than `maxFrameBytes` (newline excluded) is an error. It is detected while reading:
 *   as soon as the bytes buffered without a newline pass the limit, the buffer is dropped and
 *   `FrameTooLargeError` is thrown, so a huge line is never held whole.
 *
 * Only the bytes of an unfinished line are retained; lines wholly inside one chunk are decoded straight
 * from that chunk without copying it.
 */
export class FrameDecoder {
  /** The chunks (or chunk tails) of the unfinished line, oldest first. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** How many bytes of an unfinished line are held; never more than `maxFrameBytes + 1`. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds one chunk and returns the lines it completed, in order.
   * Throws `FrameTooLargeError` (and drops everything buffered) when a line exceeds the limit; lines
   * completed earlier in the same chunk are then lost with it. Use `feed` to receive those first.
   */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    this.feed(chunk, (line) => lines.push(line));
    return lines;
  }

  /**
   * Feeds one chunk and calls `onLine` for each line it completes, in order. Throws `FrameTooLargeError`
   * (and drops everything buffered) when a line exceeds the limit, after `onLine` has seen the lines
   * before it.
   */
  feed(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);

    if (this.pendingBytes > 0) {
      if (newline < 0) {
        this.hold(chunk);
        return;
      }
      const line = this.completePending(chunk.subarray(0, newline));
      start = newline + 1;
      if (line.length > 0) onLine(line);
      newline = chunk.indexOf(NEWLINE, start);
    }

    if (newline >= 0) {
      // Lengths are checked in bytes, line by line; the text is decoded once for all the complete lines
      // (a C++ call per line cost more than the split). A newline byte never sits inside a multi-byte
      // character, so decoding them together gives each line the text it would have alone.
      const first = start;
      let last = -1;
      let tooLarge = false;
      while (newline >= 0) {
        if (lineEnd(chunk, start, newline) - start > this.maxFrameBytes) {
          tooLarge = true;
          break;
        }
        last = newline;
        start = newline + 1;
        newline = chunk.indexOf(NEWLINE, start);
      }
      if (last >= 0) emitLines(chunk.toString("utf8", first, last), onLine);
      // The lines before an oversized one are handed over first, as documented.
      if (tooLarge) this.checkLength(Number.POSITIVE_INFINITY);
    }

    if (start < chunk.length) {
      // Copy a short tail so the (possibly much larger) chunk it came from can be freed.
      const tail = start === 0 ? chunk : Buffer.from(chunk.subarray(start));
      this.hold(tail);
    }
  }

  /**
   * Returns the final unterminated line, if any, and empties the decoder. For protocols that end the
   * last frame with EOF instead of a newline: the TCP transport delivers such a tail as a final frame
   * (or, when it is all a connection sent, as a one-shot message to the extension that takes them).
   */
  end(): string | undefined {
    if (this.pendingBytes === 0) return undefined;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.reset();
    const end = bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    this.checkLength(end);
    return end > 0 ? bytes.toString("utf8", 0, end) : undefined;
  }

  /** Drops any buffered bytes. */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Buffers bytes of an unfinished line, failing once they cannot fit in a frame any more. */
  private hold(bytes: Buffer): void {
    // One extra byte is allowed: it may be the `\r` of a CRLF, which is not part of the frame.
    if (this.pendingBytes + bytes.length > this.maxFrameBytes + 1) {
      this.reset();
      throw new FrameTooLargeError(this.maxFrameBytes);
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Joins the buffered bytes with the head of a chunk that ends the line, and decodes them. */
  private completePending(head: Buffer): string {
    // Refuse before concatenating a huge head; "- 1" spares a possible `\r`, checked exactly below.
    this.checkLength(this.pendingBytes + head.length - 1);
    this.pending.push(head);
    const bytes = Buffer.concat(this.pending, this.pendingBytes + head.length);
    this.reset();
    const end = lineEnd(bytes, 0, bytes.length);
    this.checkLength(end);
    return bytes.toString("utf8", 0, end);
  }

  private checkLength(lineBytes: number): void {
    if (lineBytes > this.maxFrameBytes) {
      this.reset();
      throw new FrameTooLargeError(this.maxFrameBytes);
    }
  }
}

/** Calls `onLine` for each non-empty line of `text` (lines joined by `\n`), without a trailing `\r`. */
function emitLines(text: string, onLine: (line: string) => void): void {
  for (const line of text.split("\n")) {
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (trimmed.length > 0) onLine(trimmed);
  }
}

/** Where the text of a line ending at `newline` stops: before a `\r` directly preceding it. */
function lineEnd(bytes: Buffer, start: number, newline: number): number {
  return newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
}
