/** A bounded set of recently seen message ids, for delivering each broadcast or direct message once. */

/**
 * What recording a message's ids found: `new` (all recorded now), `seen` (one was already there), or
 * `full` (no room for them: nothing was recorded, the message must be dropped).
 */
export type SeenVerdict = "new" | "seen" | "full";

/** The source this node's own messages are recorded under. */
export const LOCAL_SOURCE = "(this node)";

/** One remembered id: in the map by id, and in the order of arrival (one object for both). */
interface Entry {
  readonly id: string;
  readonly expires: number;
  readonly source: string;
}

/** One source's ids, oldest first, and how many of them are still remembered. */
interface SourceIds {
  readonly ids: Fifo<string>;
  count: number;
}

/** A first-in, first-out queue over an array, compacted as it drains. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * Remembers ids for `ttlMs`, at most `capacity` of them, each charged to the source that brought it
 * first (the caller's choice: the sending peer's IP address; `LOCAL_SOURCE` for the node's own).
 *
 * An id is never forgotten before its ttl because of an id from the same source or a heavier one, so a
 * flood of unique ids cannot make a replay of a recent message look new. When the cache is full, a new
 * id is admitted only by evicting the oldest id of the source holding the most (max-min fairness), and
 * only when that source holds more than the newcomer's source would: a flooder fills its own share and
 * is refused, while every other source still gets in. The flooder's own oldest ids are the only ones that
 * can be forgotten early. O(1) per id, amortised.
 */
export class SeenCache {
  private readonly entries = new Map<string, Entry>();
  /** Every entry recorded, in order of arrival: one whose id was evicted or renewed since is skipped. */
  private readonly order = new Fifo<Entry>();
  /** Each source's ids, oldest first, with their count. */
  private readonly bySource = new Map<string, SourceIds>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  /**
   * Records the ids of one message (its id, then any other identity it has) at time `now`, charged to
   * `source`: `seen` when the first is known, or when any is (the others are recorded then, room
   * permitting); `full`, with nothing recorded, when none is known and there is no room for them; else `new`.
   */
  record(ids: readonly string[], now: number, source: string = LOCAL_SOURCE): SeenVerdict {
    this.expire(now);
    if (ids.length === 0 || this.entries.has(ids[0]!)) return "seen";
    // The common case, one id and it is new, allocates nothing more.
    const distinct = ids.length === 1 ? ids : [...new Set(ids)];
    const unknown = ids.length === 1 ? ids : distinct.filter((id) => !this.entries.has(id));
    const known = unknown.length < distinct.length;
    if (!this.makeRoom(unknown.length, source)) return known ? "seen" : "full";
    const expires = now + this.ttlMs;
    let held = this.bySource.get(source);
    if (!held) {
      held = { ids: new Fifo(), count: 0 };
      this.bySource.set(source, held);
    }
    for (const id of unknown) {
      const entry: Entry = { id, expires, source };
      this.entries.set(id, entry);
      this.order.push(entry);
      held.ids.push(id);
      held.count++;
    }
    return known ? "seen" : "new";
  }

  /** Records `id` at time `now`. Returns false when it was already seen (and not yet expired) or there is no room. */
  add(id: string, now: number, source: string = LOCAL_SOURCE): boolean {
    return this.record([id], now, source) === "new";
  }

  /** Whether `id` was seen and has not expired. */
  has(id: string, now: number): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.expires > now;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** How many remembered ids are charged to `source`. */
  heldBy(source: string): number {
    return this.bySource.get(source)?.count ?? 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
    this.bySource.clear();
    while (this.order.length > 0) this.order.shift();
  }

  /** Frees room for `need` ids from `source`, evicting from heavier sources only; false when it cannot. */
  private makeRoom(need: number, source: string): boolean {
    if (need > this.capacity) return false;
    const own = this.heldBy(source);
    while (this.entries.size + need > this.capacity) {
      const heaviest = this.heaviest();
      if (heaviest === undefined || heaviest[0] === source || heaviest[1].count <= own + need) return false;
      this.evictOldestOf(heaviest[0], heaviest[1]);
    }
    return true;
  }

  /**
   * The source holding the most ids. A walk over the sources: only the full path asks, and the sources
   * are the few addresses that delivered ids within the ttl.
   */
  private heaviest(): [string, SourceIds] | undefined {
    let best: [string, SourceIds] | undefined;
    for (const pair of this.bySource) if (!best || pair[1].count > best[1].count) best = pair;
    return best;
  }

  private evictOldestOf(source: string, held: SourceIds): void {
    const id = held.ids.shift();
    if (id === undefined) return;
    this.entries.delete(id);
    if (--held.count === 0) this.bySource.delete(source);
  }

  private expire(now: number): void {
    for (let slot = this.order.peek(); slot !== undefined && slot.expires <= now; slot = this.order.peek()) {
      this.order.shift();
      const entry = this.entries.get(slot.id);
      if (entry !== slot) continue;
      this.entries.delete(slot.id);
      // A source's ids expire in the order they came, so this one is at the head of its queue.
      const held = this.bySource.get(entry.source);
      if (!held) continue;
      held.ids.shift();
      if (--held.count === 0) this.bySource.delete(entry.source);
    }
  }
}
