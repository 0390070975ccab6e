/** A bounded set of recently seen message ids, for delivering each broadcast or direct message once. */

/**
 * Remembers ids for `ttlMs`, and at most `capacity` of them: the oldest go first. Ids sit in a ring
 * (arrays that grow up to `capacity`, then wrap) in the order they were added, with a `Map` from id to
 * slot; adding, checking and evicting are O(1), with no iteration over a `Map` that many deletions
 * have filled with holes.
 */
export class SeenCache {
  private readonly slotOf = new Map<string, number>();
  private readonly ids: Array<string | undefined> = [];
  private readonly expiries: number[] = [];
  /** The slot the next id goes to. */
  private head = 0;
  /** Slots in use, from the oldest up to `head`. */
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /** Records `id` at time `now`. Returns false when it was already seen (and not yet expired). */
  add(id: string, now: number): boolean {
    const slot = this.slotOf.get(id);
    if (slot !== undefined && this.expiries[slot]! > now) return false;
    this.evictExpired(now);
    if (this.count === this.capacity) this.dropOldest();
    this.ids[this.head] = id;
    this.expiries[this.head] = now + this.ttlMs;
    this.slotOf.set(id, this.head);
    this.head = (this.head + 1) % this.capacity;
    this.count++;
    return true;
  }

  /** Whether `id` was seen and has not expired. */
  has(id: string, now: number): boolean {
    const slot = this.slotOf.get(id);
    return slot !== undefined && this.expiries[slot]! > now;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.slotOf.clear();
    this.ids.length = 0;
    this.expiries.length = 0;
    this.head = 0;
    this.count = 0;
  }

  private get oldest(): number {
    return (this.head - this.count + this.capacity) % this.capacity;
  }

  private evictExpired(now: number): void {
    while (this.count > 0 && this.expiries[this.oldest]! <= now) this.dropOldest();
  }

  private dropOldest(): void {
    const slot = this.oldest;
    const id = this.ids[slot]!;
    // An id re-added after it expired has a newer slot: only its own slot forgets it.
    if (this.slotOf.get(id) === slot) this.slotOf.delete(id);
    this.ids[slot] = undefined;
    this.count--;
  }
}
