/** Peer identity types shared by the peer table, the plugins and the public API. */

/** A peer's id and its listening address, as PING, PONG and ADVERTISE_REPLY carry them. */
export interface PeerInfo {
  id: string;
  host: string;
  port: number;
}

/** A row of the peer table: the peer's identity plus what this node knows of it. */
export interface PeerRecord extends PeerInfo {
  /** Its chat nickname, when it told us one. */
  nick?: string;
  /** True while a handshaken connection to it is open. */
  connected: boolean;
  /** When a frame from it last arrived (ms since the epoch); 0 when never. */
  lastSeen: number;
}

/** Checks a `{ id, host, port }` payload; returns the reason it is wrong, or undefined. */
export function checkPeerInfo(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected an object { id, host, port }";
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || v.id.length === 0 || v.id.length > 256) return "field id must be a non-empty string";
  if (typeof v.host !== "string" || v.host.length === 0 || v.host.length > 255) return "field host must be a non-empty string";
  if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) {
    return "field port must be an integer from 1 to 65535";
  }
  if (v.nick !== undefined && (typeof v.nick !== "string" || v.nick.length > 64)) return "field nick must be a string of at most 64 characters";
  return undefined;
}
