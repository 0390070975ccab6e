/** `"host:port"` addresses, as bootstrap entries and the chat's `/join` take them, and host names. */
import { isIP } from "node:net";

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

/** What a host may be, for messages: the forms `isHostName` accepts. */
export const HOST_NAME_FORMS = "an IPv4 address such as 127.0.0.1 (0.0.0.0 for every interface), an IPv6 address such as ::1, or a host name such as node1.example";

/**
 * Whether `text` can name a host: an IPv4 or IPv6 address (without brackets), or a DNS name (labels of
 * letters, digits, `-` and `_`, the last one not all digits). So `127.0.0.300`, dotted digits that are
 * no IPv4 address, is not a host, where a resolver would only answer ENOTFOUND.
 */
export function isHostName(text: string): boolean {
  if (isIP(text) !== 0) return true;
  if (text.includes(":") || text.length > 253) return false;
  const labels = text.replace(/\.$/, "").split(".");
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}
