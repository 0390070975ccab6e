import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import sodium from "libsodium-wrappers";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidPeerIdError } from "../../src/secure/errors.js";
import { ephemeralIdentity, type Identity } from "../../src/secure/identity.js";
import { peerIdOf, rawPublicKeyOf } from "../../src/secure/peer-id.js";
import { openSealed, SEALED_BOX_OVERHEAD, sealTo, sodiumReady } from "../../src/secure/sealed-box.js";

const bob = ephemeralIdentity();
const eve = ephemeralIdentity();
const message = new TextEncoder().encode("meet at noon — ☕");

/** Bob's X25519 keys as libsodium converts them, from his ed25519 seed and public key. */
function sodiumKeysOf(identity: Identity): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const seed = Buffer.from(identity.privateKey.export({ format: "jwk" }).d!, "base64url");
  const pair = sodium.crypto_sign_seed_keypair(seed);
  expect(Buffer.from(pair.publicKey).equals(rawPublicKeyOf(identity.publicKey))).toBe(true);
  return {
    publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(pair.publicKey),
    privateKey: sodium.crypto_sign_ed25519_sk_to_curve25519(pair.privateKey),
  };
}

beforeAll(async () => {
  await sodiumReady();
});

describe("sealed boxes", () => {
  it("round-trips: what is sealed to a peer id opens with that identity", () => {
    const box = sealTo(bob.peerId, message);
    expect(box).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(box, "base64url")).toHaveLength(message.length + SEALED_BOX_OVERHEAD);
    expect(Buffer.from(openSealed(bob, box)!).equals(Buffer.from(message))).toBe(true);
    // Every length modulo 3, so every form of base64url's last group.
    for (let length = 0; length < 8; length++) {
      const plaintext = Uint8Array.from({ length }, (_, i) => i * 37);
      expect(openSealed(bob, sealTo(bob.peerId, plaintext))).toEqual(plaintext);
    }
  });

  it("seals afresh each time (a new ephemeral key per box)", () => {
    expect(sealTo(bob.peerId, message)).not.toBe(sealTo(bob.peerId, message));
  });

  it("is libsodium's sealed box: crypto_box_seal_open opens ours, and openSealed opens crypto_box_seal's", () => {
    const keys = sodiumKeysOf(bob);
    const ours = Buffer.from(sealTo(bob.peerId, message), "base64url");
    expect(Buffer.from(sodium.crypto_box_seal_open(ours, keys.publicKey, keys.privateKey)).equals(Buffer.from(message))).toBe(true);
    const theirs = Buffer.from(sodium.crypto_box_seal(message, keys.publicKey)).toString("base64url");
    expect(Buffer.from(openSealed(bob, theirs)!).equals(Buffer.from(message))).toBe(true);
  });

  it("converts the keys as RFC 7748 / RFC 8032 say (checked with node:crypto's X25519, not libsodium)", () => {
    // The X25519 secret is the first half of SHA-512(seed) (clamped by X25519 itself); its public key
    // must be the birational map of the ed25519 public key, which is what libsodium computes.
    const seed = Buffer.from(bob.privateKey.export({ format: "jwk" }).d!, "base64url");
    const scalar = createHash("sha512").update(seed).digest().subarray(0, 32);
    const x25519 = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: scalar.toString("base64url"), x: "" }, format: "jwk" });
    const x = createPublicKey(x25519).export({ format: "jwk" }).x!;
    const keys = sodiumKeysOf(bob);
    expect(Buffer.from(keys.publicKey).toString("base64url")).toBe(x);
    // libsodium's converted secret is that scalar, clamped.
    const clamped = Buffer.from(scalar);
    clamped[0]! &= 248;
    clamped[31]! &= 127;
    clamped[31]! |= 64;
    expect(Buffer.from(keys.privateKey).equals(clamped)).toBe(true);
  });

  it("does not open for another identity", () => {
    expect(openSealed(eve, sealTo(bob.peerId, message))).toBeUndefined();
  });

  it("does not open after any one byte of the box changed", () => {
    const box = Buffer.from(sealTo(bob.peerId, message), "base64url");
    for (let at = 0; at < box.length; at++) {
      const changed = Buffer.from(box);
      changed[at]! ^= 0x01;
      expect(openSealed(bob, changed.toString("base64url")), `byte ${at}`).toBeUndefined();
    }
  });

  it("returns undefined, never throws, for junk: not a string, not canonical base64url, too short, too long", () => {
    const box = sealTo(bob.peerId, message);
    expect(openSealed(bob, 42)).toBeUndefined();
    expect(openSealed(bob, null)).toBeUndefined();
    expect(openSealed(bob, "")).toBeUndefined();
    expect(openSealed(bob, "A".repeat(63))).toBeUndefined();
    expect(openSealed(bob, `${box}=`)).toBeUndefined();
    expect(openSealed(bob, box.replace(/-/g, "+").replace(/_/g, "/") + "+")).toBeUndefined();
    expect(openSealed(bob, ` ${box}`)).toBeUndefined();
    expect(openSealed(bob, box.slice(0, -1))).toBeUndefined();
    expect(openSealed(bob, box, box.length - 1)).toBeUndefined();
    expect(openSealed(bob, box, box.length)).toBeDefined();
    expect(openSealed(bob, "A".repeat(2_000_000))).toBeUndefined();
  });

  it("refuses to seal to what is not a peer id, or to a key that is no curve point", () => {
    expect(() => sealTo("pk_nope", message)).toThrow(InvalidPeerIdError);
    // The identity element (small order): a valid-looking id whose key libsodium refuses to convert.
    const identityPoint = Buffer.alloc(32);
    identityPoint[0] = 1;
    const smallOrder = peerIdOf(createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), identityPoint]), format: "der", type: "spki" }));
    expect(() => sealTo(smallOrder, message)).toThrow(InvalidPeerIdError);
  });
});
