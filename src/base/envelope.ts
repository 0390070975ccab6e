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
import { checkEnvelope, checkJsonValue, DEFAULT_MAX_JSON_DEPTH } from "./json-checks.js";
import { isSignedForm, parseSigned } from "./signed-frame.js";

export { checkEnvelope, checkJsonValue, DEFAULT_MAX_JSON_DEPTH, MAX_NAME_LENGTH } from "./json-checks.js";
export { signedMessageId } from "./signed-frame.js";

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
