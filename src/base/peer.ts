/** Peer identity types shared by the peer table, the plugins and the public API. */

/** The start of every key-derived (protocol v2) peer id: `pk_`, then the base32 of an ed25519 key. */
export const PEER_ID_PREFIX = "pk_";

/** A peer's id and its listening address, as PING, PONG and ADVERTISE_REPLY carry them. */
export interface PeerInfo {
  id: string;
  host: string;
  port: number;
}

/**
 * A peer as the `peer:connect` and `peer:disconnect` events carry it: its identity and, when its
 * connection does not speak peerkit's own wire, the name of the dialect it speaks.
 */
export interface LinkedPeer extends PeerInfo {
  /** The connection's dialect when it is not peerkit's own (`legacy`: an original Python peer); absent for peerkit's own. */
  dialect?: string;
}

/** A row of the peer table: the peer's identity plus what this node knows of it. */
export interface PeerRecord extends LinkedPeer {
  /** Its chat nickname, when it told us one. */
  nick?: string;
  /** True while a handshaken connection to it is open. */
  connected: boolean;
  /** When a frame from it last arrived (ms since the epoch); 0 when never. */
  lastSeen: number;
}

/** The longest nick, in characters (code points): in `config.nick`, `--nick`, PING/PONG and chat lines. */
export const MAX_NICK_LENGTH = 32;

/**
 * A nick a person can be shown: 1 to 32 characters, each a letter, a combining mark (not first), a digit,
 * a symbol such as an emoji (`So`), `_`, `.` or `-`. No space, bracket, parenthesis, `<`, `>`, quote,
 * control or format character: so a nick can never close or forge the `<nick (id)>` prefix of a chat
 * line, nor push the real prefix out of sight.
 */
const NICK = /^[\p{L}\p{N}\p{So}_.-][\p{L}\p{M}\p{N}\p{So}_.-]*$/u;

/** What a nick may be, for error messages. */
export const NICK_RULE = `1 to ${MAX_NICK_LENGTH} letters, digits, symbols such as emoji, "_", "." or "-" (no spaces, brackets or control characters)`;

/** The length of a text in characters (code points), counting no further than `stopAt`. */
function codePoints(text: string, stopAt: number): number {
  let count = 0;
  for (const _ of text) if (++count > stopAt) break;
  return count;
}

/** True when `value` is a string of at most `MAX_NICK_LENGTH` characters (the wire's bound on a nick). */
export function isNickLength(value: string): boolean {
  return value.length <= 2 * MAX_NICK_LENGTH && codePoints(value, MAX_NICK_LENGTH) <= MAX_NICK_LENGTH;
}

/** True when `value` is a nick that may be shown to a person as a nick (`NICK_RULE`). */
export function isNick(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && isNickLength(value) && NICK.test(value);
}

/**
 * Checks a `{ id, host, port, nick? }` payload; returns the reason it is wrong, or undefined. A nick longer
 * than `MAX_NICK_LENGTH` is refused; one of other characters than `NICK_RULE` allows is accepted (peers of
 * older versions) but never shown as a nick.
 */
export function checkPeerInfo(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected an object { id, host, port }";
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || v.id.length === 0 || v.id.length > 256) return "field id must be a non-empty string";
  if (typeof v.host !== "string" || v.host.length === 0 || v.host.length > 255) return "field host must be a non-empty string";
  if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) {
    return "field port must be an integer from 1 to 65535";
  }
  if (v.nick !== undefined && (typeof v.nick !== "string" || !isNickLength(v.nick))) {
    return `field nick must be a string of at most ${MAX_NICK_LENGTH} characters`;
  }
  return undefined;
}
