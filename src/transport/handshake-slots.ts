/**
 * The budget of secure handshakes in progress on inbound sockets. A socket in its TLS handshake is not
 * a connection the kernel sees yet, so its pending-connection budgets cannot apply: this is their
 * counterpart before the handshake, with the same rule (issue 9): a newcomer is never refused; the
 * oldest handshake of the busiest source makes room for it.
 */
import type { Socket } from "node:net";
import { sourceKeyOf } from "../base/network-address.js";

/** The limits of handshakes in progress. */
export interface HandshakeLimits {
  /** Inbound handshakes in progress at once, from every source. */
  maxHandshakes: number;
  /** Inbound handshakes in progress at once from one source (an IPv4 address, an IPv6 /64). */
  maxHandshakesPerSource: number;
}

/** Inbound sockets in their secure handshake, oldest first per source. */
export class HandshakeSlots {
  private readonly bySource = new Map<string, Set<Socket>>();
  private count = 0;

  constructor(private readonly limits: HandshakeLimits) {}

  /** Handshakes in progress. */
  get size(): number {
    return this.count;
  }

  /**
   * Records a socket entering its handshake and returns the sockets to close to make room for it
   * (the caller destroys them): the oldest of its own source when that source is at its budget, else
   * the oldest of the busiest source when all slots are taken.
   */
  admit(socket: Socket, host: string): Socket[] {
    const source = sourceKeyOf(host);
    const evicted: Socket[] = [];
    const own = this.bySource.get(source);
    if (own !== undefined && own.size >= this.limits.maxHandshakesPerSource) {
      evicted.push(this.evictOldest(source, own));
    } else if (this.count >= this.limits.maxHandshakes) {
      const busiest = this.busiest();
      if (busiest !== undefined) evicted.push(this.evictOldest(busiest[0], busiest[1]));
    }
    const set = this.bySource.get(source) ?? new Set<Socket>();
    set.add(socket);
    this.bySource.set(source, set);
    this.count += 1;
    return evicted;
  }

  /** Forgets a socket whose handshake ended (completed, failed or evicted). Idempotent. */
  release(socket: Socket, host: string): void {
    const source = sourceKeyOf(host);
    const set = this.bySource.get(source);
    if (set === undefined || !set.delete(socket)) return;
    this.count -= 1;
    if (set.size === 0) this.bySource.delete(source);
  }

  private evictOldest(source: string, set: Set<Socket>): Socket {
    const oldest = set.values().next().value as Socket;
    set.delete(oldest);
    this.count -= 1;
    if (set.size === 0) this.bySource.delete(source);
    return oldest;
  }

  private busiest(): [string, Set<Socket>] | undefined {
    let best: [string, Set<Socket>] | undefined;
    for (const entry of this.bySource) if (best === undefined || entry[1].size > best[1].size) best = entry;
    return best;
  }
}
