/** The hop limit of relayed messages (BROADCAST, DIRECT): the one place a `ttl` is decremented. */
import type { Envelope } from "../base/envelope.js";

/**
 * The copy of `envelope` to relay, with one hop less, or undefined when its hops are used up. A missing
 * `ttl`, or one above `maxTtl` (`limits.maxHops`), counts as `maxTtl`: a sender cannot buy more hops
 * than this node allows.
 */
export function relayCopy<T>(envelope: Envelope<T>, maxTtl: number): Envelope<T> | undefined {
  const ttl = Math.min(envelope.ttl ?? maxTtl, maxTtl) - 1;
  return ttl > 0 ? { ...envelope, ttl } : undefined;
}
