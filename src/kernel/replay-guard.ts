/**
 * Replay protection for messages deduplicated by id (BROADCAST, DIRECT, DIRECT_ACK): a freshness window
 * on `time` plus a seen-cache that never forgets an id before it expires. Together they make a captured
 * frame useless: while its id is remembered a replay is a duplicate, and by the time the id expires the
 * frame's `time` lies outside the window (`limits.maxClockSkewMs` is at most half of
 * `limits.seenCacheTtlMs`, checked by the config schema).
 */
import type { Clock } from "../base/clock.js";
import type { Limits } from "./config.js";
import type { Envelope } from "../base/envelope.js";
import type { Logger } from "../base/logger.js";
import { SeenCache, type SeenVerdict } from "./seen-cache.js";
import { sourceKeyOf } from "../base/network-address.js";
import type { MessageSecurity } from "./message-security.js";

/** Least time between two warn log lines about a full seen-cache, in milliseconds. */
export const FULL_CACHE_WARN_INTERVAL_MS = 10_000;

/** Whether `time` lies within `maxSkewMs` of `now`, either way. */
export function isFresh(time: number, now: number, maxSkewMs: number): boolean {
  return Math.abs(time - now) <= maxSkewMs;
}

/** Messages a `ReplayGuard` dropped, by cause. */
export interface ReplayDrops {
  /** `time` outside the freshness window (`limits.maxClockSkewMs`). */
  stale: number;
  /** A new id refused because the seen-cache was full of ids that had not expired. */
  refused: number;
  /** A signature that does not verify under the originator's key (protocol v2): never delivered, relayed or recorded. */
  forged: number;
  /** A verified message whose (originator, sequence number) was accepted before: a replay. */
  replayed: number;
}

/**
 * What `ReplayGuard.admit` made of an arriving message: `new` to deliver or relay; `duplicate` of an
 * id already admitted; `dropped` (stale, a replayed sequence number, or no room); `forged`, whose
 * sender the caller reports (`context.reject`), as for any unacceptable frame.
 */
export type Admission = "new" | "duplicate" | "dropped" | "forged";

/** One plugin's freshness check and seen-cache, with counts of what they dropped. */
export class ReplayGuard {
  /** The ids already handled; `limits.seenCacheSize` of them for `limits.seenCacheTtlMs`. */
  readonly seen: SeenCache;
  /** What was dropped so far, by cause. */
  readonly dropped: ReplayDrops = { stale: 0, refused: 0, forged: 0, replayed: 0 };
  private lastWarnAt = -Infinity;
  private refusedSinceWarn = 0;

  constructor(
    private readonly limits: Limits,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.seen = new SeenCache(limits.seenCacheSize, limits.seenCacheTtlMs);
  }

  /**
   * Whether an arriving envelope's `time` is within the freshness window. A stale one is counted and
   * logged at debug level only: an honest relay passes on what others sent, so it is not a bad frame.
   */
  isFresh(envelope: Envelope, from: string): boolean {
    const now = this.clock.now();
    if (isFresh(envelope.time, now, this.limits.maxClockSkewMs)) return true;
    this.dropped.stale++;
    this.logger.debug("dropped a message dated outside limits.maxClockSkewMs", {
      type: envelope.msg_type,
      id: envelope.id,
      from,
      skewMs: envelope.time - now,
    });
    return false;
  }

  /**
   * Records the ids of an arriving message, charged to the source of `source`, the address it came
   * from (`sourceKeyOf`: an IPv4 address, an IPv6 /64; see `SeenCache.record`). A message refused for
   * lack of room is counted, and a warn line says so at most every `FULL_CACHE_WARN_INTERVAL_MS`.
   */
  markSeen(ids: readonly string[], type: string, source: string): SeenVerdict {
    const now = this.clock.now();
    const verdict = this.seen.record(ids, now, sourceKeyOf(source));
    if (verdict === "full") {
      this.dropped.refused++;
      this.refusedSinceWarn++;
      if (now - this.lastWarnAt >= FULL_CACHE_WARN_INTERVAL_MS) {
        this.logger.warn("seen-cache full: new messages from the address holding the most ids are dropped until they expire; raise limits.seenCacheSize if this traffic is legitimate", {
          type,
          source,
          dropped: this.refusedSinceWarn,
          seenCacheSize: this.limits.seenCacheSize,
          seenCacheTtlMs: this.limits.seenCacheTtlMs,
        });
        this.lastWarnAt = now;
        this.refusedSinceWarn = 0;
      }
    }
    return verdict;
  }

  /**
   * The whole check of an arriving message, in protocol v2's order: fresh by time; a duplicate of an id
   * already admitted is dropped without verifying again (the id is the hash of the signed bytes); the
   * signature verified (`security.verify`); its ids recorded, charged to `source`; its sequence number
   * new (`security.isNewSequence`, so a replay is refused even after its id left the seen-cache). On an `--insecure` node the signature and sequence checks accept plain envelopes.
   */
  admit(envelope: Envelope, ids: readonly string[], source: string, from: string, security: MessageSecurity): Admission {
    if (!this.isFresh(envelope, from)) return "dropped";
    const now = this.clock.now();
    if (ids.some((id) => this.seen.has(id, now))) return "duplicate";
    if (!security.verify(envelope)) {
      this.dropped.forged++;
      return "forged";
    }
    // Recorded first: a message the full seen-cache refuses must not use up its sequence number.
    const verdict = this.markSeen(ids, envelope.msg_type, source);
    if (verdict !== "new") return verdict === "seen" ? "duplicate" : "dropped";
    if (!security.isNewSequence(envelope)) {
      this.dropped.replayed++;
      this.logger.debug("dropped a replayed message (its sequence number was accepted before, or no room to track its originator)", {
        type: envelope.msg_type,
        originator: envelope.originator,
        from,
      });
      return "dropped";
    }
    return "new";
  }

  /** Records the ids of a message this node creates; when the cache is full it is sent unrecorded. */
  remember(ids: readonly string[]): void {
    this.seen.record(ids, this.clock.now());
  }

  /** Forgets every id (the counts stay). */
  clear(): void {
    this.seen.clear();
  }
}
