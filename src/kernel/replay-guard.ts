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
import { errorMessage } from "../base/error-message.js";
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

/**
 * How many signature verifications one `ReplayGuard` runs off the event loop at once (`admitOffLoop`).
 * Each holds a frame until it ends; a peer sending many unverified frames fills this, and past it the
 * guard verifies on the event loop, as `admit` always does.
 */
export const MAX_VERIFICATIONS_OFF_LOOP = 1024;

/**
 * How many admissions one `ReplayGuard` keeps waiting to conclude in arrival order (`admitOffLoop`),
 * those in flight included. Each holds a frame; past it, a message is verified and concluded at once,
 * ahead of the waiting ones, so a slow thread pool cannot make a flood's frames pile up.
 */
export const MAX_ADMISSIONS_WAITING = 2 * MAX_VERIFICATIONS_OFF_LOOP;

/** One signature verification, shared by the copies of a message: `verdict` once it has ended. */
interface Verification {
  verdict: boolean | undefined;
}

/** An admission waiting for its verification. */
interface Waiting {
  readonly verification: Verification;
  readonly envelope: Envelope;
  readonly ids: readonly string[];
  readonly source: string;
  readonly from: string;
  readonly security: MessageSecurity;
  readonly resolve: (admission: Admission) => void;
}

/** One plugin's freshness check and seen-cache, with counts of what they dropped. */
export class ReplayGuard {
  /** The ids already handled; `limits.seenCacheSize` of them for `limits.seenCacheTtlMs`. */
  readonly seen: SeenCache;
  /** What was dropped so far, by cause. */
  readonly dropped: ReplayDrops = { stale: 0, refused: 0, forged: 0, replayed: 0 };
  private lastWarnAt = -Infinity;
  private refusedSinceWarn = 0;
  /** Admissions waiting for their verification (`admitOffLoop`), in arrival order. */
  private readonly queue: Waiting[] = [];
  /** How many ids the waiting admissions may record when they conclude. */
  private queuedIds = 0;
  /**
   * The verification running off the event loop for each message id and signature (`verifyingKey`): a
   * forged copy arriving first does not keep the valid one's copies from sharing its verification.
   */
  private readonly verifying = new Map<string, Verification>();
  private running = 0;
  /** Bumped by `clear()`: a verification that ends in an older epoch concludes nothing. */
  private epoch = 0;

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
  isFresh(envelope: Envelope, from: string, now = this.clock.now()): boolean {
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
  markSeen(ids: readonly string[], type: string, source: string, now = this.clock.now()): SeenVerdict {
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
    const early = this.precheck(envelope, ids, from);
    if (early !== undefined) return early;
    return this.conclude(security.verify(envelope), envelope, ids, source, from, security);
  }

  /**
   * `admit`, with a signed message's signature verified off the event loop (`security.verifyOffLoop`):
   * the admission at once when no verification is needed (stale, a duplicate, unsigned), else a promise
   * of it. Nothing is recorded, delivered or relayed before its verification: the copies of one message
   * (same id and signature) arriving meanwhile share that verification, and come out as duplicates.
   * Admissions conclude in the order the messages arrived, whatever order their verifications end in.
   * At most `MAX_VERIFICATIONS_OFF_LOOP` verifications run at once; past that, a message is verified on
   * the event loop, as `admit` does (a flood of unverified frames costs what it always did, and nothing
   * is dropped for it). After `clear()` (the plugin stopping) pending admissions never conclude.
   */
  admitOffLoop(envelope: Envelope, ids: readonly string[], source: string, from: string, security: MessageSecurity): Admission | Promise<Admission> {
    const early = this.precheck(envelope, ids, from);
    if (early !== undefined) return early;
    const signature = envelope.signature;
    if (signature === undefined || !security.secure || this.queue.length >= MAX_ADMISSIONS_WAITING) {
      return this.conclude(security.verify(envelope), envelope, ids, source, from, security);
    }
    const verification = this.verificationOf(envelope, signature.sig, security);
    return new Promise((resolve) => {
      this.queue.push({ verification, envelope, ids, source, from, security, resolve });
      this.queuedIds += ids.length;
      this.drain();
    });
  }

  /**
   * Whether the message `id` is being verified off the loop with this very signature (`admitOffLoop`):
   * then another copy carrying it needs nothing of its own, the verdict will be the same. Never while
   * the seen-cache could be full when the first copy concludes (its ids plus those of every admission
   * waiting may not fit): the first copy may then be refused for its source's share, and each copy must
   * be admitted on its own, charged to its own source.
   */
  isVerifying(id: string, sig: string): boolean {
    return this.seen.size + this.queuedIds < this.limits.seenCacheSize && this.verifying.has(verifyingKey(id, sig));
  }

  /** Bumped by `clear()`: a caller holding an admission from an older generation acts on nothing. */
  get generation(): number {
    return this.epoch;
  }

  /** How many verifications run off the event loop now (at most `MAX_VERIFICATIONS_OFF_LOOP`). */
  get verificationsOffLoop(): number {
    return this.running;
  }

  /** Stale (`dropped`) or already admitted (`duplicate`): decided before any verification. */
  private precheck(envelope: Envelope, ids: readonly string[], from: string): Admission | undefined {
    const now = this.clock.now();
    if (!this.isFresh(envelope, from, now)) return "dropped";
    if (ids.some((id) => this.seen.has(id, now))) return "duplicate";
    return undefined;
  }

  /** After the verification: a forgery is counted; else the ids are recorded and the sequence number checked. */
  private conclude(verified: boolean, envelope: Envelope, ids: readonly string[], source: string, from: string, security: MessageSecurity): Admission {
    if (!verified) {
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

  /**
   * The verification of this message: the one already running for its id and signature (a copy), else a
   * new one, off the event loop while fewer than the cap run, else done here and now.
   */
  private verificationOf(envelope: Envelope, sig: string, security: MessageSecurity): Verification {
    const key = verifyingKey(envelope.id!, sig);
    const running = this.verifying.get(key);
    if (running !== undefined) return running;
    const verification: Verification = { verdict: undefined };
    if (this.running >= MAX_VERIFICATIONS_OFF_LOOP) {
      verification.verdict = security.verify(envelope);
      return verification;
    }
    const epoch = this.epoch;
    this.running++;
    this.verifying.set(key, verification);
    void security.verifyOffLoop(envelope).then((verdict) => {
      if (epoch !== this.epoch) return;
      this.running--;
      this.verifying.delete(key);
      verification.verdict = verdict;
      this.drain();
    });
    return verification;
  }

  /** Concludes the waiting admissions in arrival order, as far as their verifications have ended. */
  private drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const verdict = head.verification.verdict;
      if (verdict === undefined) return;
      this.queue.shift();
      this.queuedIds -= head.ids.length;
      head.resolve(this.concludeGuarded(verdict, head));
    }
  }

  /**
   * `conclude` for a waiting admission, outside any frame's guard (it runs when a verification ends): a
   * throw (a logger's, say) drops that message and is logged, and never stops the process or the queue.
   */
  private concludeGuarded(verdict: boolean, head: Waiting): Admission {
    try {
      return this.conclude(verdict, head.envelope, head.ids, head.source, head.from, head.security);
    } catch (error) {
      this.logger.error("dropped a message: concluding its admission failed", { type: head.envelope.msg_type, from: head.from, error: errorMessage(error) });
      return "dropped";
    }
  }

  /** Records the ids of a message this node creates; when the cache is full it is sent unrecorded. */
  remember(ids: readonly string[]): void {
    this.seen.record(ids, this.clock.now());
  }

  /** Forgets every id (the counts stay), and every admission still waiting for its verification: those never conclude. */
  clear(): void {
    this.seen.clear();
    this.epoch++;
    this.queue.length = 0;
    this.queuedIds = 0;
    this.verifying.clear();
    this.running = 0;
  }
}

/** The key of a verification in `ReplayGuard.verifying`: a message id and a signature (base64url, no space). */
function verifyingKey(id: string, sig: string): string {
  return `${id} ${sig}`;
}
