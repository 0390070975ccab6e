/**
 * What a remote address says about who is behind it. One operator holds one IPv4 address as cheaply as
 * one IPv6 /64 (a host is routinely given a whole /64), and many addresses of one network group far
 * more cheaply than addresses of many groups: the per-address caps and shares key on `sourceKeyOf`, the
 * eviction of inbound peers on `networkGroup`.
 */

/** An IPv4 address, also written IPv4-mapped (`::ffff:1.2.3.4`); its four parts. */
const IPV4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i;

/**
 * The key of one source for per-address limits and shares: an IPv4 address as it is (an IPv4-mapped
 * one as IPv4), an IPv6 address's /64, anything else (a host name, the in-memory transport's hosts) as
 * it is. So an IPv6 host cannot multiply its share by rotating addresses in its /64.
 */
export function sourceKeyOf(host: string): string {
  const v4 = IPV4.exec(host);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.${v4[4]}`;
  if (host.includes(":")) return `${expandIPv6(host).slice(0, 4).join(":")}::/64`;
  return host;
}

/**
 * The network group of an address, as Bitcoin groups them: an IPv4 address's /16, an IPv6 address's /32
 * (an IPv4-mapped one counts as IPv4).
 */
export function networkGroup(host: string): string {
  const v4 = IPV4.exec(host);
  if (v4) return `${v4[1]}.${v4[2]}/16`;
  if (host.includes(":")) return `${expandIPv6(host).slice(0, 2).join(":")}::/32`;
  return host;
}

/** The eight groups of an IPv6 address, `::` expanded, each lower case without leading zeros. */
function expandIPv6(host: string): string[] {
  const [head = "", tail] = host.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ""));
}
