/** A bounded set of recently seen message ids, for delivering each broadcast or direct message once. */
import { BoundedMap } from "./bounded-map.js";

/**
 * What recording a message's ids found: `new` (all recorded now), `seen` (one was already there), or
 * `full` (the cache is full of ids that have not expired: nothing was recorded, the message must be dropped).
 */
export type SeenVerdict = "new" | "seen" | "full";

/**
 * Remembers ids for `ttlMs`, and at most `capacity` of them. An id is never forgotten before its ttl:
 * when the cache is full of live ids, new ids are refused (`record` answers `full`) rather than old ones
 * evicted, so a flood of unique ids cannot make a replay of a recent message look new. `capacity /
 * ttlMs` is thus the sustained rate of new ids the cache accepts. O(1) per id.
 */
export class SeenCache {
  private readonly ids: BoundedMap<true>;

  constructor(capacity: number, ttlMs: number) {
    this.ids = new BoundedMap(capacity, ttlMs);
  }

  /**
   * Records the ids of one message (its id, then any other identity it has) at time `now`: `seen` when
   * the first is known, or when any is (the others are recorded then, room permitting); `full`, with
   * nothing recorded, when none is known and there is no room for all of them; else `new`.
   */
  record(ids: readonly string[], now: number): SeenVerdict {
    if (ids.length === 0 || this.ids.has(ids[0]!, now)) return "seen";
    const unknown = ids.filter((id, i) => ids.indexOf(id) === i && !this.ids.has(id, now));
    const known = unknown.length < new Set(ids).size;
    if (unknown.length > this.ids.free(now)) return known ? "seen" : "full";
    for (const id of unknown) this.ids.add(id, true, now);
    return known ? "seen" : "new";
  }

  /** Records `id` at time `now`. Returns false when it was already seen (and not yet expired) or the cache is full. */
  add(id: string, now: number): boolean {
    return this.record([id], now) === "new";
  }

  /** Whether `id` was seen and has not expired. */
  has(id: string, now: number): boolean {
    return this.ids.has(id, now);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.ids.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.ids.clear();
  }
}
