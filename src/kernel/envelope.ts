/**
 * The wire envelope of protocol version 1 (DESIGN.md §2) and its validation.
 *
 * Every frame from the network is untrusted: `parseEnvelope` is the only way a frame becomes an
 * `Envelope`, and it never throws.
 */

/** One message on the wire: `{msg_type, msg, originator, time}` plus the optional routing fields. */
export interface Envelope<T = unknown> {
  /** The message type; selects the handler. */
  msg_type: string;
  /** The payload: any JSON value. */
  msg: T;
  /** Peer id of the node that created the message. */
  originator: string;
  /** Creation time, milliseconds since the Unix epoch. */
  time: number;
  /** Unique message id; required on BROADCAST and DIRECT, used to drop duplicates. */
  id?: string;
  /** Destination peer id, for one-to-one messages. */
  to?: string;
  /** Hops left; a forwarder decrements it and drops the message at 0. */
  ttl?: number;
}

/** The longest `msg_type`, `originator`, `id` or `to` accepted, in characters. */
export const MAX_NAME_LENGTH = 256;

/** Message types whose envelope must carry an `id` (DESIGN.md §2: "required on BROADCAST and DIRECT"). */
const TYPES_REQUIRING_ID = new Set(["BROADCAST", "DIRECT", "DIRECT_ACK"]);

/**
 * Text that may hide a key able to reach `Object.prototype` if some consumer merged the payload into an
 * object: the key itself, or a `\u` escape that could spell it. One scan per frame; only a frame that
 * matches is walked.
 */
const SUSPICIOUS_TEXT = /"(?:__proto__|constructor|prototype)"|\\u/;

/** The outcome of parsing one frame: an envelope, or the reason it was rejected. */
export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

/**
 * Checks that a parsed JSON value has the envelope's shape; returns the reason when it does not.
 * Extra fields are allowed (forward compatibility) and passed through untouched.
 */
export function checkEnvelope(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "frame is not a JSON object";
  }
  const v = value as Record<string, unknown>;
  if (!isName(v.msg_type)) return "field msg_type must be a non-empty string";
  if (!("msg" in v)) return "field msg is missing";
  if (!isName(v.originator)) return "field originator must be a non-empty string";
  if (typeof v.time !== "number" || !Number.isFinite(v.time)) return "field time must be a finite number";
  if (v.id !== undefined && !isName(v.id)) return "field id must be a non-empty string";
  if (v.to !== undefined && !isName(v.to)) return "field to must be a non-empty string";
  if (v.ttl !== undefined && !(Number.isInteger(v.ttl) && (v.ttl as number) >= 0)) {
    return "field ttl must be a non-negative integer";
  }
  if (v.id === undefined && TYPES_REQUIRING_ID.has(v.msg_type)) return `field id is required on ${v.msg_type}`;
  return undefined;
}

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  for (const key of Object.keys(value)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") return true;
    if (hasForbiddenKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * Parses one frame (the text of one line, without its newline) into an envelope.
 * Never throws: invalid JSON, a non-object, a missing or mistyped field, or a prototype-pollution key
 * yields `{ ok: false, reason }`.
 */
export function parseEnvelope(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "frame is not valid JSON" };
  }
  const reason = checkEnvelope(value);
  if (reason !== undefined) return { ok: false, reason };
  if (SUSPICIOUS_TEXT.test(text) && hasForbiddenKey(value)) {
    return { ok: false, reason: "frame contains a forbidden key (__proto__, constructor or prototype)" };
  }
  return { ok: true, envelope: value as Envelope };
}

/** Serialises an envelope to one frame of text, without the trailing newline. */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}
