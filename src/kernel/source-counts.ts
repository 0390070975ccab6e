/**
 * Counts per source with the heaviest source found in O(1): counts are kept in buckets by value, as an
 * LFU cache keeps its frequencies, so that a flood cannot make finding the heaviest source expensive.
 */
export class SourceCounts {
  private readonly counts = new Map<string, number>();
  private readonly buckets = new Map<number, Set<string>>();
  private max = 0;

  /** The count of `source` (0 when unknown). */
  get(source: string): number {
    return this.counts.get(source) ?? 0;
  }

  /** Adds one to `source`'s count. */
  increment(source: string): void {
    const count = this.get(source);
    this.move(source, count, count + 1);
    if (count + 1 > this.max) this.max = count + 1;
  }

  /** Takes one from `source`'s count; a source at 0 is forgotten. */
  decrement(source: string): void {
    const count = this.get(source);
    if (count === 0) return;
    this.move(source, count, count - 1);
    if (count === this.max && !this.buckets.has(count)) this.max = count - 1;
  }

  /** A source with the highest count, or undefined when every count is 0. */
  heaviest(): string | undefined {
    if (this.max === 0) return undefined;
    return this.buckets.get(this.max)?.values().next().value;
  }

  /** Forgets every count. */
  clear(): void {
    this.counts.clear();
    this.buckets.clear();
    this.max = 0;
  }

  private move(source: string, from: number, to: number): void {
    if (from > 0) {
      const bucket = this.buckets.get(from)!;
      bucket.delete(source);
      if (bucket.size === 0) this.buckets.delete(from);
    }
    if (to > 0) {
      let bucket = this.buckets.get(to);
      if (!bucket) {
        bucket = new Set();
        this.buckets.set(to, bucket);
      }
      bucket.add(source);
      this.counts.set(source, to);
    } else {
      this.counts.delete(source);
    }
  }
}
