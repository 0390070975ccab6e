/** A token bucket: the per-connection frame rate limit. */

/**
 * Holds up to `burst` tokens and gains `ratePerSecond` of them every second. Each frame takes one.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes as many whole tokens as it has, up to `wanted`, and returns how many it took. */
  takeUpTo(wanted: number): number {
    this.refill();
    const taken = Math.max(0, Math.min(wanted, Math.floor(this.tokens)));
    this.tokens -= taken;
    return taken;
  }

  /** Takes `count` tokens whatever it holds: past zero the bucket is in debt until it refills. */
  take(count = 1): void {
    this.refill();
    this.tokens -= count;
  }

  /** Milliseconds until the bucket holds a whole token again (0 when it does). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
  }

  /** The tokens available now (negative while in debt). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }
}
