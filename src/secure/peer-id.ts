/**
 * Peer ids of protocol v2: derived from the node's ed25519 public key, so an id is never a claim.
 *
 * Format: `pk_` followed by the 32-byte raw ed25519 public key (RFC 8032) in lowercase RFC 4648 base32
 * without padding: 52 characters of `a-z2-7`, 55 characters in all, e.g.
 * `pk_3vq2c7fq6...`. The form is canonical (the 4 unused bits of the last character are zero, so its
 * last character is `a` or `q`): one key, one id, one text. It needs no quoting in a terminal, a URL or a
 * file name, and double-clicking selects it whole. The id *is* the key, not a hash of it, so anyone
 * holding an id can check a signature (`publicKeyOfPeerId`) without asking anybody for the key.
 * The prefix names the key type; another key type would get another prefix.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { base32Decode, base32Encode } from "./base32.js";
import { PEER_ID_PREFIX } from "../base/peer.js";
import { InvalidPeerIdError } from "./errors.js";

export { PEER_ID_PREFIX };
/** The length of a v2 peer id: the prefix and 52 base32 characters. */
export const PEER_ID_LENGTH = PEER_ID_PREFIX.length + 52;

const PEER_ID_PATTERN = /^pk_[a-z2-7]{51}[aq]$/;

/**
 * The 32 raw bytes of an ed25519 public key (RFC 8032; the last 32 bytes of its SPKI DER). Through JWK
 * (`x`), not DER: with OpenSSL 3 a DER export or import of a key costs ~100 µs, a JWK one ~3-9 µs.
 */
export function rawPublicKeyOf(publicKey: KeyObject): Buffer {
  if (publicKey.type !== "public" && publicKey.type !== "private") throw new TypeError("an asymmetric key is required");
  const key = publicKey.type === "private" ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== "ed25519") throw new TypeError(`an ed25519 key is required, got ${key.asymmetricKeyType ?? "an unknown type"}`);
  const raw = Buffer.from(key.export({ format: "jwk" }).x ?? "", "base64url");
  if (raw.length !== 32) throw new TypeError("unexpected ed25519 JWK encoding");
  return raw;
}

/**
 * The peer id of an ed25519 public key (a private key gives the id of its public half).
 *
 * @throws TypeError when the key is not an ed25519 key.
 */
export function peerIdOf(publicKey: KeyObject): string {
  return PEER_ID_PREFIX + base32Encode(rawPublicKeyOf(publicKey));
}

/** Whether `text` is a well-formed, canonical v2 peer id (it says nothing of whether that peer exists). */
export function isPeerId(text: unknown): text is string {
  return typeof text === "string" && PEER_ID_PATTERN.test(text) && base32Decode(text.slice(PEER_ID_PREFIX.length)) !== undefined;
}

/**
 * The public key a peer id names: what a signature by that peer verifies against
 * (`crypto.verify(null, data, publicKeyOfPeerId(id), signature)`).
 *
 * @throws InvalidPeerIdError when `id` is not a well-formed, canonical v2 peer id.
 */
export function publicKeyOfPeerId(id: string): KeyObject {
  const raw = rawPublicKeyOfPeerId(id);
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}

/**
 * The 32 raw bytes of the public key a peer id names: `rawPublicKeyOf(publicKeyOfPeerId(id))` without
 * building a `KeyObject` (which costs ~15-20 µs), for checks that need the bytes only.
 *
 * @throws InvalidPeerIdError when `id` is not a well-formed, canonical v2 peer id.
 */
export function rawPublicKeyOfPeerId(id: string): Buffer {
  if (typeof id !== "string" || !id.startsWith(PEER_ID_PREFIX)) throw new InvalidPeerIdError(String(id), `it does not start with "${PEER_ID_PREFIX}"`);
  if (id.length !== PEER_ID_LENGTH) throw new InvalidPeerIdError(id, `it has ${id.length} characters instead of ${PEER_ID_LENGTH}`);
  const raw = PEER_ID_PATTERN.test(id) ? base32Decode(id.slice(PEER_ID_PREFIX.length)) : undefined;
  if (raw?.length !== 32) throw new InvalidPeerIdError(id, "it has characters outside a-z and 2-7, or is not in canonical form");
  return raw;
}
