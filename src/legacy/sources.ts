/**
 * Who a one-shot legacy message comes from, and how many such messages each source may send: the
 * original Python peers open a connection per message, so the per-connection frame rate limit never
 * applies to them; a `SourceRateLimiter` (src/transport) applies per source IP instead.
 */
import { isIPv4 } from "node:net";

/**
 * An IP address as one spelling: lower case, and an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a
 * dual-stack listener reports IPv4 clients) as the plain IPv4 address.
 */
export function normaliseIp(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped && isIPv4(mapped[1]!) ? mapped[1]! : lower;
}
