/** A bounded set of recently seen message ids, for delivering each broadcast or direct message once. */
import { BoundedMap } from "./bounded-map.js";

/** Remembers ids for `ttlMs`, and at most `capacity` of them: the oldest go first. O(1) per operation. */
export class SeenCache {
  private readonly ids: BoundedMap<true>;

  constructor(capacity: number, ttlMs: number) {
    this.ids = new BoundedMap(capacity, ttlMs);
  }

  /** Records `id` at time `now`. Returns false when it was already seen (and not yet expired). */
  add(id: string, now: number): boolean {
    return this.ids.add(id, true, now);
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
