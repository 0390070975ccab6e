/** A map bounded in size and in age: the store behind the seen-cache and the tree-mode message store. */

/**
 * Keeps entries for `ttlMs`, and at most `capacity` of them: the oldest go first. Entries sit in a ring
 * (arrays that grow up to `capacity`, then wrap) in the order they were added, with a `Map` from key to
 * slot; adding, reading and evicting are O(1), with no iteration over a `Map` that many deletions have
 * filled with holes.
 */
export class BoundedMap<V> {
  private readonly slotOf = new Map<string, number>();
  private readonly keys: Array<string | undefined> = [];
  private readonly values: Array<V | undefined> = [];
  private readonly expiries: number[] = [];
  /** The slot the next entry goes to. */
  private head = 0;
  /** Slots in use, from the oldest up to `head`. */
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /** Adds `key` at time `now`, unless it is there and not expired: then returns false and keeps the old value. */
  add(key: string, value: V, now: number): boolean {
    const slot = this.slotOf.get(key);
    if (slot !== undefined && this.expiries[slot]! > now) return false;
    this.set(key, value, now);
    return true;
  }

  /**
   * Records `key` at time `now` whether or not it is there, restarting its ttl (at capacity the oldest
   * entry goes first). The key's earlier slot, if any, is freed when it becomes the oldest.
   */
  set(key: string, value: V, now: number): void {
    this.evictExpired(now);
    if (this.count === this.capacity) this.dropOldest();
    this.keys[this.head] = key;
    this.values[this.head] = value;
    this.expiries[this.head] = now + this.ttlMs;
    this.slotOf.set(key, this.head);
    this.head = (this.head + 1) % this.capacity;
    this.count++;
  }

  /**
   * How many entries can be added at time `now` before the oldest live one would be evicted (expired
   * entries are evicted first). Lets a caller refuse new keys instead of forgetting live ones.
   */
  free(now: number): number {
    this.evictExpired(now);
    return this.capacity - this.count;
  }

  /** The value of `key`, or undefined when it is absent or expired. */
  get(key: string, now: number): V | undefined {
    const slot = this.slotOf.get(key);
    return slot !== undefined && this.expiries[slot]! > now ? this.values[slot] : undefined;
  }

  /** The value of `key` whether or not it expired, until it is evicted. */
  peek(key: string): V | undefined {
    const slot = this.slotOf.get(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  /** Whether `key` is there and not expired. */
  has(key: string, now: number): boolean {
    const slot = this.slotOf.get(key);
    return slot !== undefined && this.expiries[slot]! > now;
  }

  /** How many keys are held (expired ones included until they are evicted). */
  get size(): number {
    return this.slotOf.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.slotOf.clear();
    this.keys.length = 0;
    this.values.length = 0;
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
    const key = this.keys[slot]!;
    // A key re-added after it expired has a newer slot: only its own slot forgets it.
    if (this.slotOf.get(key) === slot) this.slotOf.delete(key);
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.count--;
  }
}
