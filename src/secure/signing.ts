/**
 * Signed messages of protocol v2 (DESIGN.md §2): the originator signs the exact text of its message with
 * its ed25519 identity key; relays forward that text unchanged (`encodeEnvelope`); any node checks it
 * against the key the originator's peer id names, with no key lookup. The wire form and its parsing are
 * in src/base/envelope.ts.
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { BoundedMap } from "../base/bounded-map.js";
import type { Clock } from "../base/clock.js";
import { checkEnvelope, checkJsonValue, signedMessageId, type Envelope } from "../base/envelope.js";
import { isSequenceNumber, isTtl } from "../base/json-checks.js";
import type { Identity } from "./identity.js";
import { isPeerId, publicKeyOfPeerId } from "./peer-id.js";

/** What an originator puts in a message it signs; `ttl` lies outside the signature. */
export interface SignedMessageFields {
  msg_type: string;
  /** Any JSON value; the envelope carries it as it reads back from the signed text. */
  msg: unknown;
  /** Creation time, milliseconds since the Unix epoch. */
  time: number;
  /** The originator's sequence number (`SequenceCounter.next()`): a non-negative safe integer. */
  seq: number;
  /** Destination peer id, for one-to-one messages. */
  to?: string;
  ttl?: number;
}

/**
 * A message signed by `identity`: builds the text `{"msg_type","originator","time","seq","to"?,"msg"}`
 * (in that order, `JSON.stringify`), signs its UTF-8 bytes, and returns the envelope every receiver will
 * parse from it: the fields as read back from the text, `originator` = `identity.peerId`,
 * `id` = `signedMessageId(text)`, `signature`, and `ttl` if given.
 *
 * @throws TypeError when the fields cannot make an envelope receivers accept (a bad `seq`, `msg_type` or
 *   `to`, a `msg` that JSON cannot carry or nested deeper than the default `limits.maxJsonDepth`), before
 *   anything is signed.
 */
export function signEnvelope(identity: Identity, fields: SignedMessageFields): Envelope {
  const { msg_type, msg, time, seq, to, ttl } = fields;
  if (!isSequenceNumber(seq)) throw new TypeError(`seq must be an integer from 0 to 2^53-1, got ${seq}`);
  if (msg === undefined) throw new TypeError("msg must be a JSON value, got undefined");
  const text = JSON.stringify({ msg_type, originator: identity.peerId, time, seq, to, msg });
  // Read back, so the envelope holds what receivers will see (a Date as its string, no undefined fields).
  const read = JSON.parse(text) as Record<string, unknown>;
  const withId = { ...read, id: signedMessageId(text) };
  const reason = checkJsonValue(read) ?? checkEnvelope(withId);
  if (reason !== undefined) throw new TypeError(`cannot sign this message: ${reason}`);
  if (ttl !== undefined && !isTtl(ttl)) throw new TypeError(`ttl must be a non-negative integer, got ${ttl}`);
  const sig = sign(null, Buffer.from(text, "utf8"), identity.privateKey).toString("base64url");
  const envelope: Envelope = { ...(withId as unknown as Envelope), signature: { text, sig } };
  if (ttl !== undefined) envelope.ttl = ttl;
  return envelope;
}

/** How many originators' public keys a `PublicKeyCache` holds by default. */
export const DEFAULT_KEY_CACHE_SIZE = 4096;

/**
 * The public keys of recently seen originators, so that a verification does not build a `KeyObject`
 * from the peer id each time (`createPublicKey` is most of the cost of a verification: see the README).
 * Holds at most `capacity` keys; the oldest goes first. One per node (nodes in one process share nothing).
 */
export class PublicKeyCache {
  private readonly keys: BoundedMap<KeyObject>;

  constructor(capacity: number = DEFAULT_KEY_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    // No expiry: a key never goes stale; only the count is bounded.
    this.keys = new BoundedMap(capacity, Infinity);
  }

  /**
   * The public key `peerId` names.
   *
   * @throws InvalidPeerIdError when `peerId` is not a peer id.
   */
  keyOf(peerId: string): KeyObject {
    let key = this.keys.get(peerId, 0);
    if (key === undefined) {
      key = publicKeyOfPeerId(peerId);
      this.keys.set(peerId, key, 0);
    }
    return key;
  }

  /** Whether the key of `peerId` is held. */
  has(peerId: string): boolean {
    return this.keys.get(peerId, 0) !== undefined;
  }

  /** How many keys are held. */
  get size(): number {
    return this.keys.size;
  }
}

/**
 * Whether `envelope` carries a valid signature by its originator: false when it has no `signature`, its
 * `originator` is not a peer id, or the signature does not verify over the signed text with the key the
 * originator's id names. Never throws. With `keys`, the originator's key comes from that cache.
 *
 * The envelope's other fields are trusted to be those of the signed text, which holds for an envelope
 * from `parseEnvelope` or `signEnvelope`; the id is the text's hash, so verify before marking it seen.
 */
export function verifySignature(envelope: Envelope, keys?: PublicKeyCache): boolean {
  const input = verificationInput(envelope, keys);
  if (input === undefined) return false;
  try {
    return verify(null, input.data, input.key, input.sig);
  } catch {
    return false;
  }
}

/**
 * `verifySignature`'s verdict, the signature checked in libuv's thread pool (`crypto.verify` with a
 * callback) rather than on the event loop. Never rejects.
 */
export function verifySignatureOffLoop(envelope: Envelope, keys?: PublicKeyCache): Promise<boolean> {
  const input = verificationInput(envelope, keys);
  if (input === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, input.data, input.key, input.sig, (error, ok) => resolve(error === null && ok));
    } catch {
      resolve(false);
    }
  });
}

/** What a verification of `envelope` needs, or undefined when it cannot verify (see `verifySignature`). */
function verificationInput(envelope: Envelope, keys: PublicKeyCache | undefined): { data: Buffer; key: KeyObject; sig: Buffer } | undefined {
  const signature = envelope.signature;
  if (signature === undefined || typeof signature.text !== "string" || typeof signature.sig !== "string") return undefined;
  // A cached key was a peer id's already: the base32 decode is paid once per originator, not per message.
  if (!keys?.has(envelope.originator) && !isPeerId(envelope.originator)) return undefined;
  try {
    const sig = Buffer.from(signature.sig, "base64url");
    if (sig.length !== 64) return undefined;
    const key = keys ? keys.keyOf(envelope.originator) : publicKeyOfPeerId(envelope.originator);
    return { data: Buffer.from(signature.text, "utf8"), key, sig };
  } catch {
    return undefined;
  }
}

/**
 * A node's sequence numbers for the messages it signs: the first is `clock.now() * 1000` (whole
 * milliseconds), then +1 per message. A node restarted with the same key thus goes on above its last run's
 * numbers, as long as it signed fewer than 1000 messages per millisecond on average since that run
 * started (the receivers' `SequenceWindow` would drop the rest as replays). Lasts until the year 2255.
 */
export class SequenceCounter {
  private last: number;

  constructor(clock: Clock) {
    this.last = Math.floor(clock.now()) * 1000 - 1;
  }

  /** The next sequence number. */
  next(): number {
    if (this.last >= Number.MAX_SAFE_INTEGER) throw new RangeError("sequence numbers exhausted (the clock is past the year 2255?)");
    this.last += 1;
    return this.last;
  }
}
