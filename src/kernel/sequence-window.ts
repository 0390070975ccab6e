/**
 * Anti-replay by sequence number, per originator, as IPsec does it (RFC 4303 §3.4.3, RFC 6479): for each
 * originator the highest sequence number accepted and a bitmap of the `windowSize` numbers up to it.
 * A number is accepted once; one older than the window is refused. Messages may arrive out of order
 * (several paths through the overlay) as long as they are within the window.
 */
import type { Clock } from "../base/clock.js";

/** The default window: how far below an originator's highest number a message may still arrive. */
export const DEFAULT_SEQUENCE_WINDOW = 1024;

/** Options of a `SequenceWindow`. */
export interface SequenceWindowOptions {
  /** Width of the window (W), a positive multiple of 32; default `DEFAULT_SEQUENCE_WINDOW`. */
  windowSize?: number;
  /**
   * Forget an originator this long after the last message accepted from it (needs `clock`). Nothing is
   * lost with `2 × limits.maxClockSkewMs`: a replay of a message accepted longer ago than that is stale.
   */
  idleMs?: number;
  /** The clock `idleMs` runs on. */
  clock?: Clock;
}

/** One originator's window. */
interface WindowState {
  /** The highest sequence number accepted. */
  highest: number;
  /** Bit `n mod W` set: number `n` (in `highest - W + 1 .. highest`) was accepted. */
  readonly bits: Uint32Array;
  /** When the last message was accepted (clock time; 0 without a clock). */
  lastAt: number;
}

/**
 * Accepts each (originator, sequence number) pair once, for at most `capacity` originators, the least
 * recently accepted forgotten first.
 *
 * Call `accept` only for a message whose signature verified: otherwise a forger could spend an
 * originator's numbers (a forged number near 2^53 would make all its real ones look old).
 *
 * An originator is forgotten only once idle for `idleMs`: when the window is full of originators heard
 * from more recently, a message from a new originator is refused (counted as a replay by the caller)
 * rather than an active originator forgotten, whose captured messages could then be replayed.
 *
 * What protects once an originator is forgotten (idle past `idleMs`): its next message starts
 * a new window, so an old message of it could be accepted again here. The `ReplayGuard` still refuses it:
 * its id stays in the seen-cache until it expires, and by then its `time` lies outside the freshness window
 * (`limits.maxClockSkewMs`). The sequence window narrows what gets through when the seen-cache had to
 * forget early (a full cache evicts a flooding source's oldest ids) or for the order of arrival; the
 * freshness window is the bound that holds without it.
 */
export class SequenceWindow {
  /** In order of the last accepted message, oldest first (a Map iterates in insertion order). */
  private readonly states = new Map<string, WindowState>();
  private readonly windowSize: number;
  private readonly idleMs: number;
  private readonly clock: Clock | undefined;
  /** The originator last moved to the end of `states`: saves the move for a run of one originator's messages. */
  private newest: string | undefined;

  constructor(
    private readonly capacity: number,
    options: SequenceWindowOptions = {},
  ) {
    const { windowSize = DEFAULT_SEQUENCE_WINDOW, idleMs = Infinity, clock } = options;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(windowSize) || windowSize < 32 || windowSize % 32 !== 0) {
      throw new RangeError(`windowSize must be a positive multiple of 32, got ${windowSize}`);
    }
    if (!(idleMs > 0)) throw new RangeError(`idleMs must be positive, got ${idleMs}`);
    if (idleMs !== Infinity && clock === undefined) throw new RangeError("idleMs needs a clock");
    this.windowSize = windowSize;
    this.idleMs = idleMs;
    this.clock = clock;
  }

  /**
   * Records `seq` for `originator` and returns true the first time; false when it was accepted before,
   * lies at or below (highest accepted − W), or is not an integer in [0, 2^53-1].
   */
  accept(originator: string, seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 0) return false;
    const now = this.clock?.now() ?? 0;
    const state = this.current(originator, now);
    if (state === undefined) {
      // Full of originators heard from within `idleMs`: the newcomer is refused, never an active one
      // forgotten (forgetting one would let its captured messages be replayed).
      if (this.states.size >= this.capacity && !this.forgetIdlest(now)) return false;
      this.add(originator, seq, now);
      return true;
    }
    if (seq > state.highest) {
      this.advance(state, seq);
    } else {
      if (state.highest - seq >= this.windowSize || this.isSet(state, seq)) return false;
      this.set(state, seq);
    }
    state.lastAt = now;
    this.touch(originator, state);
    return true;
  }

  /** The highest number accepted from `originator`, while it is remembered. */
  highest(originator: string): number | undefined {
    return this.states.get(originator)?.highest;
  }

  /** How many originators are remembered (idle ones included until they are met or evicted). */
  get size(): number {
    return this.states.size;
  }

  /** Forgets every originator. */
  clear(): void {
    this.states.clear();
    this.newest = undefined;
  }

  /** The originator's window, or undefined when it is not remembered (or was idle too long: then forgotten). */
  private current(originator: string, now: number): WindowState | undefined {
    const state = this.states.get(originator);
    if (state === undefined || now - state.lastAt < this.idleMs) return state;
    this.states.delete(originator);
    if (this.newest === originator) this.newest = undefined;
    return undefined;
  }

  private add(originator: string, seq: number, now: number): void {
    const state: WindowState = { highest: seq, bits: new Uint32Array(this.windowSize / 32), lastAt: now };
    this.set(state, seq);
    this.states.set(originator, state);
    this.newest = originator;
  }

  /** Forgets the least recently heard originator if it has been idle `idleMs`; false when none has. */
  private forgetIdlest(now: number): boolean {
    const [oldest, state] = this.states.entries().next().value as [string, WindowState];
    if (now - state.lastAt < this.idleMs) return false;
    this.states.delete(oldest);
    if (this.newest === oldest) this.newest = undefined;
    return true;
  }

  /** Moves `originator` to the most recent end. */
  private touch(originator: string, state: WindowState): void {
    if (this.newest === originator) return;
    this.states.delete(originator);
    this.states.set(originator, state);
    this.newest = originator;
  }

  /** Slides the window up to `seq`: numbers between the old highest and `seq` become unseen. */
  private advance(state: WindowState, seq: number): void {
    if (seq - state.highest >= this.windowSize) {
      state.bits.fill(0);
    } else {
      for (let n = state.highest + 1; n < seq; n++) this.unset(state, n);
    }
    state.highest = seq;
    this.set(state, seq);
  }

  private isSet(state: WindowState, seq: number): boolean {
    const bit = seq % this.windowSize;
    return (state.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  private set(state: WindowState, seq: number): void {
    const bit = seq % this.windowSize;
    state.bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  private unset(state: WindowState, seq: number): void {
    const bit = seq % this.windowSize;
    state.bits[bit >>> 5]! &= ~(1 << (bit & 31));
  }
}
