import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_SEQUENCE_WINDOW, SequenceWindow } from "../../src/kernel/sequence-window.js";
import { FakeClock } from "../../src/testing/fake-clock.js";

const BASE = 1764000000000 * 1000;

describe("SequenceWindow", () => {
  it("accepts each (originator, seq) once", () => {
    const window = new SequenceWindow(10);
    expect(window.accept("a", BASE)).toBe(true);
    expect(window.accept("a", BASE)).toBe(false);
    expect(window.accept("b", BASE)).toBe(true);
    expect(window.accept("a", BASE + 1)).toBe(true);
    expect(window.accept("a", BASE + 1)).toBe(false);
    expect(window.highest("a")).toBe(BASE + 1);
  });

  it("accepts out-of-order arrivals within the window, each once", () => {
    const window = new SequenceWindow(10);
    expect(window.accept("a", BASE + 10)).toBe(true);
    for (const seq of [BASE + 3, BASE + 9, BASE + 1, BASE + 5]) expect(window.accept("a", seq)).toBe(true);
    for (const seq of [BASE + 3, BASE + 9, BASE + 1, BASE + 5, BASE + 10]) expect(window.accept("a", seq)).toBe(false);
    expect(window.accept("a", BASE + 12)).toBe(true);
    expect(window.accept("a", BASE + 11)).toBe(true);
    expect(window.accept("a", BASE + 11)).toBe(false);
    expect(window.highest("a")).toBe(BASE + 12);
  });

  it("refuses seq ≤ highest − W and takes seq = highest − W + 1", () => {
    const window = new SequenceWindow(10);
    const W = DEFAULT_SEQUENCE_WINDOW;
    expect(window.accept("a", BASE)).toBe(true);
    expect(window.accept("a", BASE + W)).toBe(true);
    expect(window.accept("a", BASE)).toBe(false); // seen, and now exactly W below
    expect(window.accept("a", BASE + 1)).toBe(true); // highest − W + 1: the oldest still in the window
    expect(window.accept("a", BASE - 5)).toBe(false);
  });

  it("forgets what slid out of the window when it jumps, and keeps what did not", () => {
    const window = new SequenceWindow(10, { windowSize: 64 });
    for (let seq = 0; seq < 64; seq++) expect(window.accept("a", seq)).toBe(true);
    expect(window.accept("a", 100)).toBe(true); // window now 37..100
    for (let seq = 37; seq < 64; seq++) expect(window.accept("a", seq)).toBe(false);
    for (let seq = 64; seq < 100; seq++) expect(window.accept("a", seq)).toBe(true);
    expect(window.accept("a", 36)).toBe(false);
    expect(window.accept("a", 1000)).toBe(true); // a jump past the whole window
    for (let seq = 937; seq < 1000; seq++) expect(window.accept("a", seq)).toBe(true);
    expect(window.accept("a", 936)).toBe(false);
  });

  it("refuses what is not a sequence number", () => {
    const window = new SequenceWindow(10);
    for (const seq of [-1, 1.5, NaN, Infinity, 2 ** 53]) expect(window.accept("a", seq)).toBe(false);
    expect(window.accept("a", 2 ** 53 - 1)).toBe(true);
    expect(window.accept("a", 0)).toBe(false); // far below a's highest
    expect(window.accept("b", 0)).toBe(true); // a new originator starts anywhere
    expect(window.size).toBe(2);
  });

  it("holds at most `capacity` originators: a newcomer is refused while all are active, and takes an idle one's place", () => {
    const clock = new FakeClock(0);
    const window = new SequenceWindow(2, { idleMs: 1_000, clock });
    window.accept("a", 1);
    window.accept("b", 1);
    clock.advance(500);
    window.accept("a", 2); // a is now the most recent
    // The replay attack of the review: flooding with fresh originators must not make b forgettable.
    expect(window.accept("c", 1)).toBe(false);
    expect(window.size).toBe(2);
    expect(window.accept("b", 1)).toBe(false);
    clock.advance(500); // b idle for 1 s: forgotten for the newcomer
    expect(window.accept("c", 1)).toBe(true);
    expect(window.highest("b")).toBeUndefined();
    expect(window.accept("a", 2)).toBe(false);
    // A forgotten originator starts a new window: its old numbers pass here again (by then, idle past
    // twice the skew, its old messages are stale: the ReplayGuard's freshness window refuses them).
    clock.advance(1_000);
    expect(window.accept("b", 1)).toBe(true);
  });

  it("keeps a busy originator's neighbours: many messages of one originator evict no one", () => {
    const window = new SequenceWindow(3);
    window.accept("quiet", 1);
    for (let seq = 0; seq < 10_000; seq++) window.accept("busy", seq);
    expect(window.accept("quiet", 1)).toBe(false);
    expect(window.size).toBe(2);
  });

  it("forgets an originator idle for idleMs", () => {
    const clock = new FakeClock();
    const window = new SequenceWindow(10, { clock, idleMs: 1000 });
    window.accept("a", 5);
    clock.advance(999);
    expect(window.accept("a", 5)).toBe(false);
    window.accept("a", 6); // accepted: restarts the idle time
    clock.advance(999);
    expect(window.accept("a", 6)).toBe(false);
    clock.advance(1000);
    expect(window.accept("a", 6)).toBe(true);
  });

  it("refuses bad options", () => {
    expect(() => new SequenceWindow(0)).toThrow(RangeError);
    expect(() => new SequenceWindow(1, { windowSize: 100 })).toThrow(RangeError);
    expect(() => new SequenceWindow(1, { idleMs: 10 })).toThrow(/clock/);
    expect(() => new SequenceWindow(1, { idleMs: 0, clock: new FakeClock() })).toThrow(RangeError);
  });

  it("agrees with a plain set-and-highest model on any arrival order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.nat({ max: 300 })), { maxLength: 400 }), (arrivals) => {
        const W = 64;
        const window = new SequenceWindow(10, { windowSize: W });
        const seen = new Map<string, Set<number>>();
        const highest = new Map<string, number>();
        for (const [originator, seq] of arrivals) {
          const set = seen.get(originator) ?? new Set<number>();
          const top = highest.get(originator) ?? -Infinity;
          const expected = !set.has(seq) && seq > top - W;
          expect(window.accept(originator, seq)).toBe(expected);
          if (expected) {
            set.add(seq);
            seen.set(originator, set);
            highest.set(originator, Math.max(top, seq));
          }
        }
      }),
    );
  });
});
