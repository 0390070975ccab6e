/**
 * The signed form of a frame (protocol version 2; `envelope.ts`'s module comment): its outer object's
 * checks, its message id, and the parse of its signed text, which gets the checks every frame gets.
 */
import { hash } from "node:crypto";
import { checkEnvelope, checkJsonValue, isName, isSequenceNumber, isTtl } from "./json-checks.js";
import type { Envelope, FrameOptions, FrameResult } from "./envelope.js";

/** The fields of a signed frame's outer object; anything else there is refused. */
const SIGNED_OUTER_FIELDS = new Set(["msg_type", "ttl", "sig", "signed"]);
/** Fields the signed text may not carry: those outside the signature, or derived from it. */
const SIGNED_INNER_FORBIDDEN = ["id", "ttl", "sig", "signed", "signature"];
/** A 64-byte signature in canonical base64url: 85 characters, then one whose 4 low bits are zero. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;
/** A lone surrogate: its UTF-8 encoding is U+FFFD, so two texts would share one signature and one id. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Whether a parsed frame is in the signed form: an object with a `signed` or `sig` field. */
export function isSignedForm(value: unknown): boolean {
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
export function parseSigned(outer: Record<string, unknown>, maxJsonDepth: number, isKnown: FrameOptions["isKnown"]): FrameResult {
  for (const key of Object.keys(outer)) {
    if (!SIGNED_OUTER_FIELDS.has(key)) return { ok: false, reason: "signed frame: only msg_type, ttl, sig and signed may lie outside the signed text" };
  }
  const { msg_type: type, ttl, sig, signed: text } = outer;
  if (!isName(type)) return { ok: false, reason: "signed frame: field msg_type must be a non-empty string" };
  if (ttl !== undefined && !isTtl(ttl)) return { ok: false, reason: "signed frame: field ttl must be a non-negative integer" };
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
  const withId: Record<string, unknown> = { ...fields, id };
  const reason = checkEnvelope(withId);
  if (reason !== undefined) return { ok: false, reason: `signed frame: ${reason}` };
  // Added after the check, which refuses a `signature` a frame names itself: one copy of the fields, not two.
  const envelope = withId as unknown as Envelope;
  envelope.signature = { text, sig };
  if (ttl !== undefined) envelope.ttl = ttl as number;
  return { ok: true, envelope };
}

