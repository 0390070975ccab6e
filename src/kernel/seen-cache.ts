/** A bounded set of recently seen message ids, for delivering each broadcast or direct message once. */

/**
 * Remembers ids for `ttlMs`, and at most `capacity` of them: the oldest go first. Insertion-ordered
 * `Map`, so both bounds cost O(1) amortised per `add`, and memory never grows past `capacity` entries.
 */
export class SeenCache {
  private readonly expiries = new Map<string, number>();
  /** No entry expires before this time (the oldest entry's expiry, or earlier): eviction can wait until then. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /** Records `id` at time `now`. Returns false when it was already seen (and not yet expired). */
  add(id: string, now: number): boolean {
    const expiry = this.expiries.get(id);
    if (expiry !== undefined && expiry > now) return false;
    if (expiry !== undefined) this.expiries.delete(id);
    this.expiries.set(id, now + this.ttlMs);
    if (this.expiries.size === 1) this.nextExpiry = now + this.ttlMs;
    if (this.expiries.size > this.capacity || now >= this.nextExpiry) this.evict(now);
    return true;
  }

  /** Whether `id` was seen and has not expired. */
  has(id: string, now: number): boolean {
    const expiry = this.expiries.get(id);
    return expiry !== undefined && expiry > now;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.expiries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.expiries.clear();
    this.nextExpiry = Number.POSITIVE_INFINITY;
  }

  private evict(now: number): void {
    this.nextExpiry = Number.POSITIVE_INFINITY;
    for (const [id, expiry] of this.expiries) {
      if (this.expiries.size <= this.capacity && expiry > now) {
        this.nextExpiry = expiry;
        break;
      }
      this.expiries.delete(id);
    }
  }
}
