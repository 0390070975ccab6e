/** Reverse-path routes: for each node id, the connection its messages first arrived on most recently. */
import type { Connection } from "../transport/transport.js";

/**
 * Next hops learnt from traffic. When a message from `originator` arrives first on a connection, that
 * connection is on the fastest known path back to it. Bounded: the least recently learnt route goes
 * first when `capacity` is reached.
 */
export class RouteTable {
  private readonly hops = new Map<string, Connection>();

  constructor(private readonly capacity: number) {}

  /** Records that messages from `originator` arrive on `connection`. */
  learn(originator: string, connection: Connection): void {
    this.hops.delete(originator);
    this.hops.set(originator, connection);
    if (this.hops.size > this.capacity) {
      const oldest = this.hops.keys().next().value;
      if (oldest !== undefined) this.hops.delete(oldest);
    }
  }

  /** The open connection towards `destination`, or undefined when none is known. */
  nextHop(destination: string): Connection | undefined {
    const hop = this.hops.get(destination);
    if (hop?.closed) {
      this.hops.delete(destination);
      return undefined;
    }
    return hop;
  }

  /** Forgets every route through a connection (it closed). */
  forget(connection: Connection): void {
    for (const [destination, hop] of this.hops) if (hop === connection) this.hops.delete(destination);
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
