/** `"host:port"` addresses, as bootstrap entries and the chat's `/join` take them. */

/** A host and a TCP port. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * The shape of a `"host:port"` address: a host name or IPv4 address, or an IPv6 address in brackets,
 * then `:` and up to five digits. `parseHostPort` also checks the port's range.
 */
export const HOST_PORT_PATTERN = /^(?:\[([^\]\s]*:[^\]\s]*)\]|([^\s:[\]]+)):(\d{1,5})$/;

/**
 * Parses a `"host:port"` address, such as `"10.0.0.5:7001"`, `"node-a.local:7001"` or `"[::1]:7001"`
 * (IPv6 in brackets; the brackets are dropped from `host`). Surrounding whitespace is ignored. Returns
 * undefined when the text is not such an address or the port is not from 1 to 65535.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (!host || port < 1 || port > 65535) return undefined;
  return { host, port };
}
