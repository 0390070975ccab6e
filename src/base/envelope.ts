/**
 * The wire envelope (DESIGN.md §2) and its validation: the plain form of protocol version 1, and the
 * signed form of version 2.
 *
 * Every frame from the network is untrusted: `parseEnvelope` is the only way a frame becomes an
 * `Envelope`, whatever its dialect (a dialect maps its messages onto the envelope's shape inside it,
 * between the JSON check and the envelope check), and it never throws.
 *
 * Signed form: `{"msg_type":"BROADCAST","ttl":15,"sig":"<base64url>","signed":"<text>"}`, where `signed`
 * is the exact JSON text the originator signed (`{"msg_type","originator","time","seq","to"?,"msg"}`)
 * and `sig` its 64-byte ed25519 signature. The fields relays change (`ttl`) lie outside the text; the
 * message id is the hash of the text, so no relay can change a message without changing its id, and
 * `encodeEnvelope` forwards the text as received. Checking the signature is `src/secure/signing.ts`'s
 * job: this room only checks the shape.
 */
import { hash } from "node:crypto";

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
  /** Hops left; a forwarder decrements it and drops the message at 0. Outside the signature. */
  ttl?: number;
  /** The originator's sequence number of a signed message (a non-negative safe integer), for anti-replay. */
  seq?: number;
  /**
   * Set on a signed message only (by `parseEnvelope` from a signed frame, or by `signEnvelope`): the exact
   * text the originator signed and the signature. The other fields were parsed from `text`, and `id` is
   * its hash (`signedMessageId`). Encoding such an envelope emits `text` unchanged, whatever the other
   * fields say, with the envelope's current `ttl`. Never taken from a frame's field of that name.
   */
  signature?: EnvelopeSignature;
}

/** The signed part of a signed envelope. */
export interface EnvelopeSignature {
  /** The exact JSON text the originator signed (its UTF-8 bytes are what the signature covers). */
  readonly text: string;
  /** The ed25519 signature of the text's UTF-8 bytes, base64url without padding (86 characters). */
  readonly sig: string;
}

/** The longest `msg_type`, `originator`, `id` or `to` accepted, in characters. */
export const MAX_NAME_LENGTH = 256;

/** Message types whose envelope must carry an `id` (DESIGN.md §2: "required on BROADCAST and DIRECT"). */
const TYPES_REQUIRING_ID = new Set(["BROADCAST", "DIRECT", "DIRECT_ACK"]);

/** The outcome of parsing one frame: an envelope, or the reason it was rejected. */
export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/**
 * A signed frame recognised by its message id (`FrameOptions.isKnown`) before its signed text was
 * parsed: only its outer object was checked. `ok` is `"known"`, so that `!result.ok` stays false.
 */
export interface KnownFrame {
  readonly ok: "known";
  readonly msg_type: string;
  readonly id: string;
}

/** The outcome of `parseFrame`: `parseEnvelope`'s, or a signed frame whose id is already known. */
export type FrameResult = ParseResult | KnownFrame;

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
  if (v.seq !== undefined && !isSequenceNumber(v.seq)) return "field seq must be an integer from 0 to 2^53-1";
  // A signature comes only from the signed form (parseSigned), never from a field a frame names so.
  if (Object.hasOwn(v, "signature")) return "field signature is reserved (a signed message uses the sig and signed fields)";
  if (v.id === undefined && TYPES_REQUIRING_ID.has(v.msg_type)) return `field id is required on ${v.msg_type}`;
  return undefined;
}

/** The default of `limits.maxJsonDepth`, for callers that have no config at hand. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Whether a key could reach `Object.prototype` if some consumer merged a payload into an object. */
function isForbiddenKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

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
  // The stacks (two parallel ones rather than one of pairs: no allocation per node) are made only for a
  // value that nests: most frames are one object of scalars and strings, walked without allocating.
  let nodes: object[] | undefined;
  let depths: number[] | undefined;
  let node: object = root;
  let depth = 1;
  for (;;) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item !== "object" || item === null) continue;
        if (depth >= maxDepth) return depthReason(maxDepth);
        (nodes ??= []).push(item);
        (depths ??= []).push(depth + 1);
      }
    } else {
      const record = node as Record<string, unknown>;
      // for-in rather than Object.keys (half the cost: no array per object). It lists the own keys, all of
      // them (JSON.parse makes every property an enumerable data property, `__proto__` included), and
      // inherited enumerable ones, of which Object.prototype has none: should something have polluted it,
      // the walk only refuses more, and still ends (at `maxDepth`).
      for (const key in record) {
        if (isForbiddenKey(key)) return "frame contains a forbidden key (__proto__, constructor or prototype)";
        const item = record[key];
        if (typeof item !== "object" || item === null) continue;
        if (depth >= maxDepth) return depthReason(maxDepth);
        (nodes ??= []).push(item);
        (depths ??= []).push(depth + 1);
      }
    }
    if (nodes === undefined || nodes.length === 0) return undefined;
    node = nodes.pop()!;
    depth = depths!.pop()!;
  }
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
 * A value with a `signed` or `sig` field is the signed form (module comment): the outer object may carry
 * only `msg_type`, `ttl`, `sig` (86 characters of base64url: 64 bytes) and `signed`; the signed text gets
 * the JSON, depth and envelope checks any frame gets, must carry the outer `msg_type` and an integer
 * `seq` in [0, 2^53-1], and may not carry `id`, `ttl`, `sig`, `signed` or `signature`. The envelope is the
 * signed text's, with the outer `ttl`, `id` = `signedMessageId(text)`, and `signature`. The signature
 * itself is not checked here (`verifySignature`, src/secure/signing.ts).
 *
 * `JSON.parse` itself does not recurse in V8 (it takes any depth a frame can carry); the depth bound is
 * for the code after it.
 */
export function parseEnvelope(text: string, options: ParseOptions = {}): ParseResult {
  return parseFrame(text, options) as ParseResult;
}

/** Options of `parseFrame`. */
export interface FrameOptions extends ParseOptions {
  /**
   * Whether the receiver already has the signed message of this type and id (its seen-cache; `sig` is the
   * signature this copy carries, already checked for its form): asked for
   * each signed frame once its outer object passed its checks and its id was computed, before the signed
   * text is parsed. Must not throw. The id is the hash of the signed text, so a known id means text
   * already parsed and checked when it was first admitted: parsing it again would find the same.
   */
  isKnown?: (msgType: string, id: string, sig: string) => boolean;
}

/**
 * `parseEnvelope`, plus the short cut for duplicates: a signed frame whose id `options.isKnown` knows
 * yields a `KnownFrame` without its signed text being parsed (the inner `JSON.parse`, depth walk and
 * envelope checks, most of a signed frame's parse). Never throws.
 */
export function parseFrame(text: string, options: FrameOptions = {}): FrameResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "frame is not valid JSON" };
  }
  const maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const unsafe = checkJsonValue(value, maxJsonDepth);
  if (unsafe !== undefined) return { ok: false, reason: unsafe };
  if (options.translate) {
    const translated = options.translate(value);
    if (!translated.ok) return translated;
    value = translated.value;
  }
  if (isSignedForm(value)) return parseSigned(value as Record<string, unknown>, maxJsonDepth, options.isKnown);
  const reason = checkEnvelope(value);
  if (reason !== undefined) return { ok: false, reason };
  return { ok: true, envelope: value as Envelope };
}

/** The fields of a signed frame's outer object; anything else there is refused. */
const SIGNED_OUTER_FIELDS = new Set(["msg_type", "ttl", "sig", "signed"]);
/** Fields the signed text may not carry: those outside the signature, or derived from it. */
const SIGNED_INNER_FORBIDDEN = ["id", "ttl", "sig", "signed", "signature"];
/** A 64-byte signature in canonical base64url: 85 characters, then one whose 4 low bits are zero. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;
/** A lone surrogate: its UTF-8 encoding is U+FFFD, so two texts would share one signature and one id. */
const LONE_SURROGATE = /\p{Surrogate}/u;

function isSequenceNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isSignedForm(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.hasOwn(value, "signed") || Object.hasOwn(value, "sig");
}

/**
 * The id of a signed message: base64url (no padding, 43 characters) of the SHA-256 of the signed
 * text's UTF-8 bytes. It covers everything the originator signed and nothing a relay may change.
 */
export function signedMessageId(text: string): string {
  // The one-shot `hash` (a string is hashed as its UTF-8 bytes): a third of `createHash`'s cost, paid
  // for every copy of every signed frame, duplicates included.
  return hash("sha256", text, "base64url");
}

/**
 * The signed form, after the outer value passed `checkJsonValue` (and a dialect's translation): checks
 * the outer object, then parses the signed text with the checks every frame gets, plus the signed form's
 * own (same msg_type, a `seq`, no field that lies outside the signature or is derived from it).
 */
function parseSigned(outer: Record<string, unknown>, maxJsonDepth: number, isKnown: FrameOptions["isKnown"]): FrameResult {
  for (const key of Object.keys(outer)) {
    if (!SIGNED_OUTER_FIELDS.has(key)) return { ok: false, reason: "signed frame: only msg_type, ttl, sig and signed may lie outside the signed text" };
  }
  const { msg_type: type, ttl, sig, signed: text } = outer;
  if (!isName(type)) return { ok: false, reason: "signed frame: field msg_type must be a non-empty string" };
  if (ttl !== undefined && !(Number.isInteger(ttl) && (ttl as number) >= 0)) return { ok: false, reason: "signed frame: field ttl must be a non-negative integer" };
  if (typeof sig !== "string" || !SIGNATURE_PATTERN.test(sig)) return { ok: false, reason: "signed frame: field sig must be a 64-byte signature in base64url (86 characters)" };
  if (typeof text !== "string") return { ok: false, reason: "signed frame: field signed must be a string" };
  if (LONE_SURROGATE.test(text)) return { ok: false, reason: "signed frame: the signed text is not well-formed Unicode" };
  const id = signedMessageId(text);
  if (isKnown?.(type, id, sig) === true) return { ok: "known", msg_type: type, id };
  let inner: unknown;
  try {
    inner = JSON.parse(text);
  } catch {
    return { ok: false, reason: "signed frame: the signed text is not valid JSON" };
  }
  const unsafe = checkJsonValue(inner, maxJsonDepth);
  if (unsafe !== undefined) return { ok: false, reason: `signed frame: ${unsafe}` };
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return { ok: false, reason: "signed frame: the signed text is not a JSON object" };
  const fields = inner as Record<string, unknown>;
  const derived = SIGNED_INNER_FORBIDDEN.find((key) => Object.hasOwn(fields, key));
  if (derived !== undefined) return { ok: false, reason: `signed frame: the signed text may not carry field ${derived}` };
  if (fields.msg_type !== type) return { ok: false, reason: "signed frame: msg_type differs inside and outside the signed text" };
  if (!isSequenceNumber(fields.seq)) return { ok: false, reason: "signed frame: field seq must be an integer from 0 to 2^53-1" };
  const withId = { ...fields, id };
  const reason = checkEnvelope(withId);
  if (reason !== undefined) return { ok: false, reason: `signed frame: ${reason}` };
  const envelope: Envelope = { ...(withId as unknown as Envelope), signature: { text, sig } };
  if (ttl !== undefined) envelope.ttl = ttl as number;
  return { ok: true, envelope };
}

/**
 * Serialises an envelope to one frame of text, without the trailing newline. `JSON.stringify` recurses:
 * an envelope received from a peer (forwarded, stored, replayed) is at most `limits.maxJsonDepth` deep,
 * checked by `parseEnvelope`, so re-encoding it cannot overflow the stack.
 *
 * A signed envelope becomes `{"msg_type","ttl"?,"sig","signed"}`: the signed text exactly as signed (a
 * relay forwards the originator's bytes), with the envelope's own `ttl`; its other fields are not read.
 */
export function encodeEnvelope(envelope: Envelope): string {
  const signature = envelope.signature;
  if (signature === undefined) return JSON.stringify(envelope);
  return JSON.stringify({ msg_type: envelope.msg_type, ttl: envelope.ttl, sig: signature.sig, signed: signature.text });
}
