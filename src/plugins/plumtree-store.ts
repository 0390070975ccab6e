/** The recent BROADCAST envelopes a tree-mode node keeps, to answer GRAFT. */
import { BoundedMap, type Envelope } from "../plugin-api.js";

/** Keeps envelopes by id for `ttlMs`, and at most `capacity` of them: the oldest go first. */
export class MessageStore {
  private readonly entries: BoundedMap<{ envelope: Envelope; from: string | undefined }>;

  constructor(capacity: number, ttlMs: number) {
    this.entries = new BoundedMap(capacity, ttlMs);
  }

  /**
   * Keeps `envelope` under `id` from time `now`, with the peer it came from (undefined: created here).
   * A second add of an id keeps the first envelope.
   */
  add(id: string, envelope: Envelope, now: number, from?: string): void {
    this.entries.add(id, { envelope, from }, now);
  }

  /** The envelope kept under `id`, or undefined when it was never kept, was evicted, or expired. */
  get(id: string, now: number): Envelope | undefined {
    return this.entries.get(id, now)?.envelope;
  }

  /** The peer the kept message with this id came from, or undefined (created here, or not kept). */
  firstFrom(id: string): string | undefined {
    return this.entries.peek(id)?.from;
  }

  /** How many envelopes are kept (expired ones included until they are evicted). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
