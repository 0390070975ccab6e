// The FrameDecoder that decodes a chunk's complete lines in one toString (539dad3) against the one that
// decoded each line alone (its predecessor, copied below as the oracle): same lines, same throws, same
// bytes held, over random bytes (invalid UTF-8, CR anywhere, lines at and past the limit) and chunkings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameTooLargeError } from "../../src/base/errors.js";
import { FrameDecoder } from "../../src/transport/frame-decoder.js";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The decoder before 539dad3: each line decoded alone (the oracle). */
class LineByLineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  constructor(private readonly maxFrameBytes: number) {}
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
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
    while (newline >= 0) {
      const end = lineEnd(chunk, start, newline);
      this.checkLength(end - start);
      if (end > start) onLine(chunk.toString("utf8", start, end));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.hold(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
  }
  end(): string | undefined {
    if (this.pendingBytes === 0) return undefined;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.reset();
    const end = bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    this.checkLength(end);
    return end > 0 ? bytes.toString("utf8", 0, end) : undefined;
  }
  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
  private hold(bytes: Buffer): void {
    if (this.pendingBytes + bytes.length > this.maxFrameBytes + 1) {
      this.reset();
      throw new FrameTooLargeError(this.maxFrameBytes);
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }
  private completePending(head: Buffer): string {
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

function lineEnd(bytes: Buffer, start: number, newline: number): number {
  return newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
}

type Decoder = Pick<LineByLineDecoder, "feed" | "end" | "bufferedBytes">;

/** Everything a decoder does with the chunks, step by step: the lines, a throw, the bytes it holds. */
function trace(decoder: Decoder, chunks: Buffer[]): unknown[] {
  const steps: unknown[] = [];
  for (const chunk of chunks) {
    const lines: string[] = [];
    try {
      decoder.feed(chunk, (line) => lines.push(line));
      steps.push({ lines, held: decoder.bufferedBytes });
    } catch (error) {
      steps.push({ lines, threw: error instanceof FrameTooLargeError ? "FrameTooLarge" : String(error), held: decoder.bufferedBytes });
    }
  }
  try {
    steps.push({ end: decoder.end() });
  } catch (error) {
    steps.push({ endThrew: error instanceof FrameTooLargeError ? "FrameTooLarge" : String(error) });
  }
  return steps;
}

// Newlines, CRs, ASCII, lead/continuation bytes of 2-, 3- and 4-byte sequences, and never-valid bytes.
const INTERESTING = [0x0a, 0x0d, 0x61, 0x7b, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x8e, 0x89, 0x80, 0xbf, 0xc0, 0xff, 0xed, 0xa0];
const bytes = fc.array(fc.constantFrom(...INTERESTING), { maxLength: 80 });

describe("FrameDecoder against its line-by-line predecessor", () => {
  it("decodes, throws and holds the same over random bytes, limits and chunkings", () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(80)), fc.integer({ min: 1, max: 12 }), (input, cuts, maxFrameBytes) => {
        const buffer = Buffer.from(input);
        const at = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const cut of [...at, buffer.length]) {
          chunks.push(buffer.subarray(from, cut));
          from = cut;
        }
        expect(trace(new FrameDecoder(maxFrameBytes), chunks)).toEqual(trace(new LineByLineDecoder(maxFrameBytes), chunks));
      }),
      { numRuns: 3000 },
    );
  });
});
