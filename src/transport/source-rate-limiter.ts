/**
 * Per-source rates: how many events (one-shot legacy messages, secure handshakes) each source address
 * may cause per second, in a table that stays bounded however many sources there are.
 */
import { TokenBucket } from "./token-bucket.js";

/** Most source addresses whose rate is tracked at once; past it the least recently seen is forgotten. */
export const MAX_TRACKED_SOURCES = 4096;

/** The state of one source. */
interface Source {
  bucket: TokenBucket;
  /** Whether its last event was refused: the warning is logged once per run of refusals. */
  limited: boolean;
}

/** The verdict on one event. */
export type Admission = "admitted" | "limited" | "started-limiting";

/**
 * Per-source token buckets of `ratePerSecond`, `burst` deep, in a table that stays bounded: it is kept in
 * least-recently-used order, and whenever a new source arrives the sources at the old end whose bucket
 * has refilled completely are forgotten (a full bucket is the same as a new one, so nothing is lost: a
 * source is remembered only while it is within `burst / ratePerSecond` seconds of its last event).
 * If `maxSources` are still active at once, the least recently seen goes; a source forgotten that way
 * gets a fresh burst, which takes `maxSources` sources active at once to cause.
 */
export class SourceRateLimiter {
  private readonly sources = new Map<string, Source>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxSources = MAX_TRACKED_SOURCES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one event's token for `source` (an IP address, normalised, or the key of a group of them). */
  admit(source: string): Admission {
    const entry = this.entryOf(source);
    if (entry.bucket.takeUpTo(1) === 1) {
      entry.limited = false;
      return "admitted";
    }
    return this.refused(entry);
  }

  /**
   * The verdict `admit` would give `source` now, without taking a token: for an event whose cost is
   * known only later, and charged then (`charge`). Refusals count into runs as `admit`'s do.
   */
  check(source: string): Admission {
    const entry = this.sources.get(source);
    if (entry === undefined) return "admitted";
    if (entry.bucket.available() >= 1) {
      entry.limited = false;
      return "admitted";
    }
    return this.refused(entry);
  }

  /** Charges `source` one event, even past its tokens (its bucket then owes them): what `check` weighs next. */
  charge(source: string): void {
    this.entryOf(source).bucket.take(1);
  }

  /** The entry of `source`, made if new, and moved to the recently used end of the table. */
  private entryOf(source: string): Source {
    let entry = this.sources.get(source);
    if (entry) {
      // Re-inserted so that the Map's order stays least recently used first.
      this.sources.delete(source);
    } else {
      this.forgetIdle();
      entry = { bucket: new TokenBucket(this.ratePerSecond, this.burst, this.now), limited: false };
    }
    this.sources.set(source, entry);
    return entry;
  }

  private refused(entry: Source): Admission {
    const first = !entry.limited;
    entry.limited = true;
    return first ? "started-limiting" : "limited";
  }

  /** Sources tracked now. */
  get size(): number {
    return this.sources.size;
  }

  private forgetIdle(): void {
    for (const [source, entry] of this.sources) {
      const full = entry.bucket.available() >= this.burst;
      if (!full && this.sources.size < this.maxSources) break;
      this.sources.delete(source);
    }
  }
}
