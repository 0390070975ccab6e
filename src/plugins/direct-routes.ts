/** Reverse-path routes of the direct plugin: for each node id, the peer its messages first arrived from most recently. */

/**
 * Next hops learnt from traffic. When a message from `originator` arrives first from a neighbour, that
 * neighbour is on the fastest known path back to it. Bounded: the least recently learnt route goes
 * first when `capacity` is reached. Hops are peer ids, so a route survives its peer's connection being
 * replaced, and is forgotten when the peer goes (`forget`).
 */
export class RouteTable {
  private readonly hops = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** Records that messages from `originator` arrive from the neighbour `peerId`. */
  learn(originator: string, peerId: string): void {
    this.hops.delete(originator);
    this.hops.set(originator, peerId);
    if (this.hops.size > this.capacity) {
      const oldest = this.hops.keys().next().value;
      if (oldest !== undefined) this.hops.delete(oldest);
    }
  }

  /** The neighbour towards `destination`, or undefined when none is known. */
  nextHop(destination: string): string | undefined {
    return this.hops.get(destination);
  }

  /** Forgets every route through a neighbour (it disconnected). */
  forget(peerId: string): void {
    for (const [destination, hop] of this.hops) if (hop === peerId) this.hops.delete(destination);
  }

  /** How many routes are known. */
  get size(): number {
    return this.hops.size;
  }

  /** Forgets every route. */
  clear(): void {
    this.hops.clear();
  }
}
