/** The recent BROADCAST envelopes a tree-mode node keeps, to answer GRAFT. */
import type { Envelope } from "../kernel/envelope.js";

/**
 * Keeps envelopes by id for `ttlMs`, and at most `capacity` of them: the oldest go first. Like
 * `SeenCache`, an insertion-ordered `Map`, so memory never grows past `capacity` envelopes.
 */
export class MessageStore {
  private readonly entries = new Map<string, { envelope: Envelope; from: string | undefined; expiry: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /**
   * Keeps `envelope` under `id` from time `now`, with the peer it came from (undefined: created here).
   * A second add of an id keeps the first envelope.
   */
  add(id: string, envelope: Envelope, now: number, from?: string): void {
    if (!this.entries.has(id)) this.entries.set(id, { envelope, from, expiry: now + this.ttlMs });
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.capacity && entry.expiry > now) break;
      this.entries.delete(oldest);
    }
  }

  /** The envelope kept under `id`, or undefined when it was never kept, was evicted, or expired. */
  get(id: string, now: number): Envelope | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiry > now) return entry.envelope;
    this.entries.delete(id);
    return undefined;
  }

  /** The peer the kept message with this id came from, or undefined (created here, or not kept). */
  firstFrom(id: string): string | undefined {
    return this.entries.get(id)?.from;
  }

  /** How many envelopes are kept (expired ones included until the next `add` evicts them). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
