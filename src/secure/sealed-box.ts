/**
 * One-to-one encryption for protocol v2: libsodium's sealed box (`crypto_box_seal`: an ephemeral X25519
 * key, XSalsa20-Poly1305, nonce from BLAKE2b of both public keys), to the recipient's identity. The
 * recipient's X25519 key is its ed25519 key converted (`crypto_sign_ed25519_pk_to_curve25519`), so the
 * peer id alone is enough to encrypt to a peer. A sealed box is anonymous: it says nothing of who sealed
 * it, so the sender is authenticated by signing the message that carries the box (src/secure/signing.ts).
 *
 * From `libsodium-wrappers` (libsodium compiled to WebAssembly): `await sodiumReady()` once, at node start,
 * before `sealTo` or `openSealed`.
 */
import sodium from "libsodium-wrappers";
import { CryptoNotReadyError, InvalidPeerIdError } from "./errors.js";
import type { Identity } from "./identity.js";
import { rawPublicKeyOf, rawPublicKeyOfPeerId } from "./peer-id.js";

/** Bytes a sealed box adds to its plaintext: the ephemeral public key (32) and the MAC (16). */
export const SEALED_BOX_OVERHEAD = 48;

/** The longest box `openSealed` looks at by default, in characters of base64url (1 MiB of box). */
export const DEFAULT_MAX_SEALED_CHARS = Math.ceil((1024 * 1024 * 4) / 3);

/** Canonical unpadded base64url: no length of the form 4k+1, and zero unused bits in the last character. */
const BASE64URL_PATTERN = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]|[A-Za-z0-9_-][AQgw])?$/;

let ready = false;

/** Loads libsodium; resolves once it can be used. Await it once before `sealTo` and `openSealed`. */
export async function sodiumReady(): Promise<void> {
  await sodium.ready;
  ready = true;
}

function requireSodium(): void {
  if (!ready) throw new CryptoNotReadyError();
}

/**
 * Whether a raw ed25519 public key is a usable one: a canonical encoding of a point of the main subgroup,
 * not one of small order. A small-order key (the identity point, say) "verifies" signatures anyone can
 * make, so an id of such a key proves nothing; libsodium's conversion refuses exactly those.
 *
 * @throws CryptoNotReadyError before `sodiumReady()` resolved.
 */
export function isUsablePublicKey(raw: Uint8Array): boolean {
  requireSodium();
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(raw);
    return true;
  } catch {
    return false;
  }
}

/**
 * Encrypts `plaintext` so that only the holder of `peerId`'s private key can read it; returns the box in
 * base64url (unpadded), `SEALED_BOX_OVERHEAD` bytes longer than the plaintext before encoding.
 *
 * @throws InvalidPeerIdError when `peerId` is not a peer id, or names no usable X25519 key (a point of
 *   small order, or not on the curve).
 * @throws CryptoNotReadyError before `sodiumReady()` resolved.
 */
export function sealTo(peerId: string, plaintext: Uint8Array): string {
  requireSodium();
  const edPublicKey = rawPublicKeyOfPeerId(peerId);
  let recipient: Uint8Array;
  try {
    recipient = sodium.crypto_sign_ed25519_pk_to_curve25519(edPublicKey);
  } catch {
    throw new InvalidPeerIdError(peerId, "its key is not a valid ed25519 point, so nothing can be encrypted to it");
  }
  return Buffer.from(sodium.crypto_box_seal(plaintext, recipient)).toString("base64url");
}

/**
 * Opens a box sealed to `identity` by `sealTo` (or by any `crypto_box_seal` to its converted key): the
 * plaintext, or undefined when `box` is not a string of canonical base64url of at most `maxChars`
 * characters, is shorter than a box can be, or does not open (sealed to someone else, or altered).
 * Never throws, except `CryptoNotReadyError` before `sodiumReady()` resolved.
 */
export function openSealed(identity: Identity, box: unknown, maxChars: number = DEFAULT_MAX_SEALED_CHARS): Uint8Array | undefined {
  requireSodium();
  if (typeof box !== "string" || box.length > maxChars || !BASE64URL_PATTERN.test(box)) return undefined;
  const bytes = Buffer.from(box, "base64url");
  if (bytes.length < SEALED_BOX_OVERHEAD) return undefined;
  try {
    const { publicKey, secretKey } = x25519KeysOf(identity);
    return sodium.crypto_box_seal_open(bytes, publicKey, secretKey);
  } catch {
    return undefined;
  }
}

/** X25519 key pairs, converted once per identity (the conversion costs twice what opening a box does). */
const x25519Keys = new WeakMap<Identity, X25519KeyPair>();

interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * The X25519 key pair of an identity: libsodium's conversion of its ed25519 keys. libsodium's ed25519
 * secret key is the 32-byte seed (RFC 8032's private key, JWK `d`) followed by the 32-byte public key.
 * Kept as long as the identity object lives, like its ed25519 private key.
 */
function x25519KeysOf(identity: Identity): X25519KeyPair {
  const known = x25519Keys.get(identity);
  if (known) return known;
  const pair = convertKeys(identity);
  x25519Keys.set(identity, pair);
  return pair;
}

function convertKeys(identity: Identity): X25519KeyPair {
  const edPublicKey = rawPublicKeyOf(identity.publicKey);
  const seed = Buffer.from(identity.privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const edSecretKey = new Uint8Array(64);
  edSecretKey.set(seed, 0);
  edSecretKey.set(edPublicKey, 32);
  seed.fill(0);
  try {
    return {
      publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(edPublicKey),
      secretKey: sodium.crypto_sign_ed25519_sk_to_curve25519(edSecretKey),
    };
  } finally {
    sodium.memzero(edSecretKey);
  }
}
