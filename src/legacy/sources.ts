/**
 * Who a one-shot legacy message comes from, and how many such messages each source may send: the
 * original Python peers open a connection per message, so the per-connection frame rate limit never
 * applies to them; this one applies per source IP instead.
 */
import { isIPv4 } from "node:net";
import { TokenBucket } from "../transport/token-bucket.js";

/** Most source addresses whose rate is tracked at once; past it the least recently seen is forgotten. */
export const MAX_TRACKED_SOURCES = 4096;

/**
 * An IP address as one spelling: lower case, and an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a
 * dual-stack listener reports IPv4 clients) as the plain IPv4 address.
 */
export function normaliseIp(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped && isIPv4(mapped[1]!) ? mapped[1]! : lower;
}

/** The state of one source. */
interface Source {
  bucket: TokenBucket;
  /** Whether its last message was refused: the warning is logged once per run of refusals. */
  limited: boolean;
}

/** The verdict on one message. */
export type Admission = "admitted" | "limited" | "started-limiting";

/**
 * Per-source token buckets of `ratePerSecond`, `burst` deep, in a table that stays bounded: it is kept in
 * least-recently-used order, and whenever a new source arrives the sources at the old end whose bucket
 * has refilled completely are forgotten (a full bucket is the same as a new one, so nothing is lost: a
 * source is remembered only while it is within `burst / ratePerSecond` seconds of its last message).
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

  /** Takes one message's token for `source` (an IP address, normalised). */
  admit(source: string): Admission {
    let entry = this.sources.get(source);
    if (entry) {
      // Re-inserted so that the Map's order stays least recently used first.
      this.sources.delete(source);
    } else {
      this.forgetIdle();
      entry = { bucket: new TokenBucket(this.ratePerSecond, this.burst, this.now), limited: false };
    }
    this.sources.set(source, entry);
    if (entry.bucket.takeUpTo(1) === 1) {
      entry.limited = false;
      return "admitted";
    }
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
