/**
 * The wire envelope of protocol version 1 (DESIGN.md §2) and its validation.
 *
 * Every frame from the network is untrusted: `parseEnvelope` is the only way a frame becomes an
 * `Envelope`, whatever its dialect (a dialect maps its messages onto the envelope's shape inside it,
 * between the JSON check and the envelope check), and it never throws.
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

/** The default of `limits.maxJsonDepth`, for callers that have no config at hand. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Keys that could reach `Object.prototype` if some consumer merged a payload into an object. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Checks a value as `JSON.parse` returns it (a tree: no cycle, no shared node) before anything else walks
 * it: arrays and objects nested at most `maxDepth` deep (the value itself is depth 1, a scalar 0), and no
 * `__proto__`, `constructor` or `prototype` key at any depth. Returns the reason it is refused, or
 * undefined. Never throws, whatever the depth.
 *
 * Iterative, with an explicit stack: a recursive walk overflows the call stack on a frame of a few
 * thousand `[` (issue 9, item 1). Each node is visited once, so the work is linear in the value's size,
 * which `limits.maxFrameBytes` bounds for a frame; the walk stops at the first node past `maxDepth`.
 * Everything downstream that recurses (V8's `JSON.stringify` in the printers, the event emitters' callers,
 * the loggers) relies on this bound: a value that passed here is at most `maxDepth` deep.
 *
 * Used by `parseEnvelope` on every frame, of every dialect, before anything else walks it.
 */
export function checkJsonValue(root: unknown, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): string | undefined {
  if (typeof root !== "object" || root === null) return undefined;
  if (maxDepth < 1) return depthReason(maxDepth);
  // Two parallel stacks rather than one of pairs: no allocation per node.
  const nodes: object[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) {
        if (typeof item !== "object" || item === null) continue;
        if (depth >= maxDepth) return depthReason(maxDepth);
        nodes.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key)) return "frame contains a forbidden key (__proto__, constructor or prototype)";
      const item = record[key];
      if (typeof item !== "object" || item === null) continue;
      if (depth >= maxDepth) return depthReason(maxDepth);
      nodes.push(item);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

function depthReason(maxDepth: number): string {
  return `JSON nested deeper than limits.maxJsonDepth (${maxDepth})`;
}

/** The outcome of a dialect's `Translation`: the envelope-shaped value, or why the message is not one. */
export type TranslationResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * A dialect's mapping of one of its messages, as `JSON.parse` returned it and `checkJsonValue` passed
 * it, onto the envelope's shape. Its result then gets the envelope check (`checkEnvelope`) every frame
 * gets. It only rearranges what it was given: it must not nest deeper nor add forbidden keys.
 */
export type Translation = (value: unknown) => TranslationResult;

/** Options of `parseEnvelope`. */
export interface ParseOptions {
  /** Deepest nesting of arrays and objects accepted, the envelope itself being depth 1; default 64. */
  maxJsonDepth?: number;
  /** For a frame of another dialect than peerkit's own: its mapping onto the envelope's shape. */
  translate?: Translation;
}

/**
 * Parses one frame (the text of one line, without its newline; or one message of another dialect, with
 * its `translate`) into an envelope: JSON, then `checkJsonValue`, then the dialect's translation, then
 * `checkEnvelope`. Never throws: invalid JSON, nesting deeper than `maxJsonDepth`, a
 * prototype-pollution key, a message the translation refuses, a non-object, or a missing or mistyped
 * field yields `{ ok: false, reason }`.
 *
 * `JSON.parse` itself does not recurse in V8 (it takes any depth a frame can carry); the depth bound is
 * for the code after it.
 */
export function parseEnvelope(text: string, options: ParseOptions = {}): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "frame is not valid JSON" };
  }
  const unsafe = checkJsonValue(value, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  if (unsafe !== undefined) return { ok: false, reason: unsafe };
  if (options.translate) {
    const translated = options.translate(value);
    if (!translated.ok) return translated;
    value = translated.value;
  }
  const reason = checkEnvelope(value);
  if (reason !== undefined) return { ok: false, reason };
  return { ok: true, envelope: value as Envelope };
}

/**
 * Serialises an envelope to one frame of text, without the trailing newline. `JSON.stringify` recurses:
 * an envelope received from a peer (forwarded, stored, replayed) is at most `limits.maxJsonDepth` deep,
 * checked by `parseEnvelope`, so re-encoding it cannot overflow the stack.
 */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}
