import { generateKeyPairSync, sign, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "../../src/secure/base32.js";
import { InvalidPeerIdError } from "../../src/secure/errors.js";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { isPeerId, PEER_ID_LENGTH, peerIdOf, publicKeyOfPeerId, rawPublicKeyOf, rawPublicKeyOfPeerId } from "../../src/secure/peer-id.js";

describe("base32", () => {
  it("matches the RFC 4648 test vectors (lowercase, unpadded)", () => {
    const vectors: [string, string][] = [["", ""], ["f", "my"], ["fo", "mzxq"], ["foo", "mzxw6"], ["foob", "mzxw6yq"], ["fooba", "mzxw6ytb"], ["foobar", "mzxw6ytboi"]];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded)?.toString()).toBe(plain);
    }
  });

  it("round-trips any bytes, and refuses non-canonical trailing bits, bad lengths and other characters", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(base32Decode(base32Encode(bytes))?.equals(Buffer.from(bytes))).toBe(true);
    }));
    expect(base32Decode("mz")).toBeUndefined(); // "f" is "my": the last 2 bits of "z" are not zero
    expect(base32Decode("m")).toBeUndefined();
    expect(base32Decode("MY")).toBeUndefined();
    expect(base32Decode("my=")).toBeUndefined();
    expect(base32Decode("m1")).toBeUndefined();
  });
});

describe("peer ids", () => {
  it("are pk_ and 52 base32 characters of the raw public key, and map back to the same key", () => {
    const identity = ephemeralIdentity();
    const id = identity.peerId;
    expect(id).toMatch(/^pk_[a-z2-7]{51}[aq]$/);
    expect(id).toHaveLength(PEER_ID_LENGTH);
    expect(isPeerId(id)).toBe(true);
    const raw = rawPublicKeyOf(identity.publicKey);
    expect(raw).toHaveLength(32);
    expect(raw.equals(identity.publicKey.export({ type: "spki", format: "der" }).subarray(-32))).toBe(true);
    expect(base32Decode(id.slice(3))?.equals(raw)).toBe(true);
    expect(peerIdOf(identity.privateKey)).toBe(id);
    const key = publicKeyOfPeerId(id);
    expect(key.equals(identity.publicKey)).toBe(true);
    expect(peerIdOf(key)).toBe(id);
  });

  it("let anyone holding the id check a signature", () => {
    const identity = ephemeralIdentity();
    const signature = sign(null, Buffer.from("hello"), identity.privateKey);
    expect(verify(null, Buffer.from("hello"), publicKeyOfPeerId(identity.peerId), signature)).toBe(true);
    expect(verify(null, Buffer.from("hellO"), publicKeyOfPeerId(identity.peerId), signature)).toBe(false);
    expect(verify(null, Buffer.from("hello"), publicKeyOfPeerId(ephemeralIdentity().peerId), signature)).toBe(false);
  });

  it("match a known vector (RFC 8032 test 1 public key; base32 checked with Python's base64.b32encode)", () => {
    const raw = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
    const id = `pk_${base32Encode(raw)}`;
    expect(rawPublicKeyOf(publicKeyOfPeerId(id)).equals(raw)).toBe(true);
    expect(rawPublicKeyOfPeerId(id).equals(raw)).toBe(true);
    expect(id).toBe("pk_25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena");
  });

  it("refuse other texts with a coded error", () => {
    const id = ephemeralIdentity().peerId;
    const last = id.at(-1) === "a" ? "q" : "a";
    const bad = ["", "pk_", id.toUpperCase(), `${id}a`, id.slice(0, -1), `xx_${id.slice(3)}`, `${id.slice(0, -1)}b`, `${id.slice(0, 10)}1${id.slice(11)}`, `pk-${id.slice(3)}`];
    for (const text of bad) {
      expect(isPeerId(text)).toBe(false);
      expect(() => publicKeyOfPeerId(text)).toThrow(InvalidPeerIdError);
      expect(() => rawPublicKeyOfPeerId(text)).toThrow(InvalidPeerIdError);
    }
    // The other canonical last character is another key, not an error.
    expect(isPeerId(id.slice(0, -1) + last)).toBe(true);
    expect(isPeerId(42)).toBe(false);
    try {
      publicKeyOfPeerId("alice");
    } catch (error) {
      expect((error as InvalidPeerIdError).code).toBe("ERR_INVALID_PEER_ID");
      expect((error as Error).message).toContain('"pk_" followed by 52 characters');
    }
  });

  it("are refused for keys that are not ed25519", () => {
    const { publicKey } = generateKeyPairSync("ed448");
    expect(() => peerIdOf(publicKey)).toThrow(/ed25519/);
  });
});
