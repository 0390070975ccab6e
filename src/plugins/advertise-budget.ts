/**
 * The dial budget of peer exchange: what an ADVERTISE_REPLY may make a node dial. Besides the per-reply
 * budget (kept by each request, see `AdvertisePlugin`), at most `limits.peerExchangeDialsPerMinute`
 * dials in any minute, and never one address twice within `limits.peerExchangeBackoffMs` of its last
 * dial or failure. Memory is bounded: the recent addresses sit in a `BoundedMap` sized for the most dials
 * the minute budget allows within the backoff window.
 */
import { BoundedMap, type Clock, type Limits } from "../plugin-api.js";

/** The window of `limits.peerExchangeDialsPerMinute`, in milliseconds. */
export const PEER_EXCHANGE_WINDOW_MS = 60_000;

/** Most addresses remembered for the backoff, whatever the limits say. */
export const MAX_REMEMBERED_ADDRESSES = 65_536;

/** Why an address may not be dialled now: `backoff` (dialled or failed recently) or `budget` (the minute's dials are spent). */
export type DialRefusal = "backoff" | "budget";

/** The per-minute budget and the per-address backoff of peer-exchange dials. */
export class PeerExchangeBudget {
  /** Addresses dialled (or failed) within the backoff window. */
  private readonly recent: BoundedMap<true>;
  /** When each dial of the last minute was made, oldest first; at most `peerExchangeDialsPerMinute`. */
  private readonly dialTimes: number[] = [];

  constructor(
    private readonly limits: Limits,
    private readonly clock: Clock,
  ) {
    // Each dial may be recorded twice (dialled, then failed): room for every dial within the backoff.
    const windows = Math.ceil(limits.peerExchangeBackoffMs / PEER_EXCHANGE_WINDOW_MS) + 1;
    const capacity = Math.min(MAX_REMEMBERED_ADDRESSES, 2 * limits.peerExchangeDialsPerMinute * windows);
    this.recent = new BoundedMap(Math.max(1, capacity), limits.peerExchangeBackoffMs);
  }

  /**
   * Takes one dial for `host:port` from the budget and starts its backoff; or says why it may not be
   * dialled now (then nothing is taken).
   */
  take(host: string, port: number): DialRefusal | undefined {
    const now = this.clock.now();
    const key = `${host}:${port}`;
    if (this.recent.has(key, now)) return "backoff";
    while (this.dialTimes.length > 0 && this.dialTimes[0]! <= now - PEER_EXCHANGE_WINDOW_MS) this.dialTimes.shift();
    if (this.dialTimes.length >= this.limits.peerExchangeDialsPerMinute) return "budget";
    this.dialTimes.push(now);
    if (this.limits.peerExchangeBackoffMs > 0) this.recent.set(key, true, now);
    return undefined;
  }

  /** A dial to `host:port` failed: its backoff starts again from now. */
  failed(host: string, port: number): void {
    if (this.limits.peerExchangeBackoffMs > 0) this.recent.set(`${host}:${port}`, true, this.clock.now());
  }
}
