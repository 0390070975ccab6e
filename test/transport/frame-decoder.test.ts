import { describe, expect, it } from "vitest";
import { FrameTooLargeError } from "../../src/base/errors.js";
import { FrameDecoder } from "../../src/transport/frame-decoder.js";

/** Feeds `input` in pieces cut at `cuts` (byte offsets) and returns every line decoded. */
function decodeInPieces(decoder: FrameDecoder, input: Buffer, cuts: number[]): string[] {
  const lines: string[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    lines.push(...decoder.push(input.subarray(from, cut)));
    from = cut;
  }
  return lines;
}

describe("FrameDecoder", () => {
  const lines = ['{"a":1}', '{"text":"héllo wörld"}', '{"emoji":"🎉 ✓ 日本語"}', "x"];
  const input = Buffer.from(lines.join("\n") + "\n");

  it("decodes the same lines whatever single byte boundary the input is split at", () => {
    for (let cut = 0; cut <= input.length; cut++) {
      expect(decodeInPieces(new FrameDecoder(1_024), input, [cut]), `cut at byte ${cut}`).toEqual(lines);
    }
  });

  it("decodes the same lines when every byte arrives in its own chunk", () => {
    const cuts = Array.from({ length: input.length - 1 }, (_, n) => n + 1);
    expect(decodeInPieces(new FrameDecoder(1_024), input, cuts)).toEqual(lines);
  });

  it("decodes the same lines for every pair of boundaries", () => {
    for (let first = 0; first <= input.length; first++) {
      for (let second = first; second <= input.length; second += 3) {
        expect(decodeInPieces(new FrameDecoder(1_024), input, [first, second])).toEqual(lines);
      }
    }
  });

  it("decodes invalid UTF-8 in a line as that line alone would decode (the complete lines of a chunk are decoded together)", () => {
    // Lone lead bytes, a truncated sequence just before the newline, a stray continuation byte, CR after junk.
    const raw = [Buffer.from([0x7b, 0xe2, 0x7d]), Buffer.from([0x61, 0xe2, 0x82]), Buffer.from([0x80, 0x62]), Buffer.from([0xf0, 0x9f, 0x0d])];
    const joined = Buffer.concat(raw.flatMap((line) => [line, Buffer.from("\n")]));
    const alone = raw.map((line) => (line.at(-1) === 0x0d ? line.subarray(0, -1) : line).toString("utf8"));
    expect(new FrameDecoder(1_024).push(joined)).toEqual(alone);
  });

  it("strips the carriage return of CRLF line endings, even when split from its newline", () => {
    const decoder = new FrameDecoder(1_024);
    expect(decoder.push(Buffer.from("one\r\ntwo\r"))).toEqual(["one"]);
    expect(decoder.push(Buffer.from("\nthree\r\n"))).toEqual(["two", "three"]);
  });

  it("skips empty lines, CRLF ones included", () => {
    const decoder = new FrameDecoder(1_024);
    expect(decoder.push(Buffer.from("\n\none\n\r\n\ntwo\n"))).toEqual(["one", "two"]);
    expect(decoder.push(Buffer.from("\n"))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("holds only the unfinished line between chunks", () => {
    const decoder = new FrameDecoder(1_024);
    expect(decoder.push(Buffer.from("done\npart"))).toEqual(["done"]);
    expect(decoder.bufferedBytes).toBe(4);
    expect(decoder.push(Buffer.from("ial\n"))).toEqual(["partial"]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("accepts a line of exactly maxFrameBytes, with or without CR", () => {
    const decoder = new FrameDecoder(8);
    expect(decoder.push(Buffer.from("12345678\n"))).toEqual(["12345678"]);
    expect(decoder.push(Buffer.from("12345678\r"))).toEqual([]);
    expect(decoder.push(Buffer.from("\n"))).toEqual(["12345678"]);
  });

  it("throws FrameTooLargeError for a complete line over the limit", () => {
    const decoder = new FrameDecoder(8);
    expect(() => decoder.push(Buffer.from("123456789\n"))).toThrow(FrameTooLargeError);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("throws mid-line once the buffered bytes pass the limit, holding no more than the limit", () => {
    const limit = 1_000;
    const decoder = new FrameDecoder(limit);
    const chunk = Buffer.alloc(300, 0x61);
    let pushed = 0;
    const pushUntilItThrows = (): void => {
      for (;;) {
        decoder.push(chunk);
        pushed += chunk.length;
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(limit + 1);
      }
    };
    expect(pushUntilItThrows).toThrow(FrameTooLargeError);
    expect(pushed).toBe(900);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("throws on a single chunk whose tail is over the limit without keeping it", () => {
    const decoder = new FrameDecoder(1_024);
    const chunk = Buffer.concat([Buffer.from("ok\n"), Buffer.alloc(4 * 1_024, 0x61)]);
    expect(() => decoder.push(chunk)).toThrow(/limits\.maxFrameBytes \(1024 bytes\)/);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("gives feed() callers the lines before an oversized one", () => {
    const decoder = new FrameDecoder(4);
    const seen: string[] = [];
    expect(() => decoder.feed(Buffer.from("a\nbb\ntoo long\nc\n"), (line) => seen.push(line))).toThrow(FrameTooLargeError);
    expect(seen).toEqual(["a", "bb"]);
  });

  it("works again after an error, from the next chunk on", () => {
    const decoder = new FrameDecoder(4);
    expect(() => decoder.push(Buffer.from("toolong"))).toThrow(FrameTooLargeError);
    expect(decoder.push(Buffer.from("ok\n"))).toEqual(["ok"]);
  });

  it("returns the unterminated tail from end(), then nothing", () => {
    const decoder = new FrameDecoder(1_024);
    expect(decoder.push(Buffer.from("one\ntw"))).toEqual(["one"]);
    decoder.push(Buffer.from([0xc3]));
    decoder.push(Buffer.from([0xa9, 0x0d]));
    expect(decoder.end()).toBe("twé");
    expect(decoder.end()).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("returns undefined from end() when the input ended with a newline", () => {
    const decoder = new FrameDecoder(1_024);
    decoder.push(Buffer.from("one\n"));
    expect(decoder.end()).toBeUndefined();
  });
});
