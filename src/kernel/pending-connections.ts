/**
 * Connections that have not completed the handshake: each closed at `limits.handshakeMs`, and, when an
 * inbound newcomer needs room, the ones `evictionsFor` chooses closed at once.
 */
import type { Clock, TimerHandle } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import type { Connection } from "../transport/transport.js";
import { evictionsFor, type AdmissionLimits } from "./admission.js";

/** The limits pending connections obey. */
export type PendingLimits = AdmissionLimits & { handshakeMs: number };

/** The pending connections of one node, oldest first. */
export class PendingConnections {
  /** Each pending connection with the timer that closes it at `limits.handshakeMs`. */
  private readonly timers = new Map<Connection, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: PendingLimits,
    private readonly logger: Logger,
    private readonly evicted: ThrottledWarning,
  ) {}

  /** Starts the handshake timer of a connection that just opened. */
  add(connection: Connection): void {
    const ms = this.limits.handshakeMs;
    this.timers.set(
      connection,
      this.clock.setTimeout(() => {
        this.timers.delete(connection);
        this.logger.debug("closing a connection that sent no handshake", { connection: connection.id, handshakeMs: ms });
        connection.close(`no handshake within ${ms} ms (limits.handshakeMs)`);
      }, ms),
    );
  }

  /** Forgets a connection (its handshake completed, or it closed); its timer is cleared. */
  remove(connection: Connection): void {
    const timer = this.timers.get(connection);
    if (timer === undefined) return;
    this.clock.clearTimeout(timer);
    this.timers.delete(connection);
  }

  /** Forgets every connection and clears every timer. */
  clear(): void {
    for (const connection of [...this.timers.keys()]) this.remove(connection);
  }

  /**
   * Closes the pending connections that must go for the inbound `newcomer` to fit, `openCount`
   * connections being open (see `evictionsFor`); each is forgotten at once, so the next arrival counts
   * without it. Returns the closed ones, and whether the newcomer was admitted.
   */
  makeRoomFor(newcomer: Connection, openCount: number): { admitted: boolean; closed: Connection[] } {
    const pendingInbound: Connection[] = [];
    for (const connection of this.timers.keys()) {
      if (connection !== newcomer && connection.direction === "inbound") pendingInbound.push(connection);
    }
    let admitted = true;
    const closed: Connection[] = [];
    for (const { connection, reason } of evictionsFor(newcomer, pendingInbound, openCount, this.limits)) {
      if (connection === newcomer) admitted = false;
      this.evicted.warn({ connection: connection.id, remote: `${connection.remote.host}:${connection.remote.port}`, reason });
      this.remove(connection);
      closed.push(connection);
      connection.close(reason);
    }
    return { admitted, closed };
  }
}
