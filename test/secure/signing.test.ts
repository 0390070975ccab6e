import { createHash, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, parseEnvelope, type Envelope } from "../../src/base/envelope.js";
import { InvalidPeerIdError } from "../../src/secure/errors.js";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { publicKeyOfPeerId } from "../../src/secure/peer-id.js";
import { PublicKeyCache, SequenceCounter, signEnvelope, verifySignature, verifySignatureOffLoop } from "../../src/secure/signing.js";
import { FakeClock } from "../../src/testing/fake-clock.js";

const alice = ephemeralIdentity();
const mallory = ephemeralIdentity();
const TIME = 1764000000000;

/** What a receiver gets from a frame's text, or a failed test. */
function receive(frame: string): Envelope {
  const result = parseEnvelope(frame);
  if (!result.ok) throw new Error(result.reason);
  return result.envelope;
}

/** A signed frame as a JSON object, to tamper with. */
function frameOf(envelope: Envelope): { msg_type: string; ttl?: number; sig: string; signed: string } {
  return JSON.parse(encodeEnvelope(envelope)) as { msg_type: string; ttl?: number; sig: string; signed: string };
}

const broadcast = () => signEnvelope(alice, { msg_type: "BROADCAST", msg: { text: "hello" }, time: TIME, seq: 42, ttl: 15 });

describe("signEnvelope", () => {
  it("signs the text {msg_type, originator, time, seq, to?, msg} in that order, with the identity's key", () => {
    const envelope = signEnvelope(alice, { msg_type: "DIRECT", msg: { box: "abc" }, time: TIME, seq: 1, to: mallory.peerId, ttl: 3 });
    const text = `{"msg_type":"DIRECT","originator":"${alice.peerId}","time":${TIME},"seq":1,"to":"${mallory.peerId}","msg":{"box":"abc"}}`;
    expect(envelope.signature?.text).toBe(text);
    expect(envelope).toMatchObject({ msg_type: "DIRECT", originator: alice.peerId, time: TIME, seq: 1, to: mallory.peerId, ttl: 3, msg: { box: "abc" } });
    expect(envelope.id).toBe(createHash("sha256").update(text).digest("base64url"));
    // Checked with node:crypto directly, against the key the peer id names.
    const sig = Buffer.from(envelope.signature!.sig, "base64url");
    expect(sig).toHaveLength(64);
    expect(verify(null, Buffer.from(text), publicKeyOfPeerId(alice.peerId), sig)).toBe(true);
    expect(verifySignature(envelope)).toBe(true);
  });

  it("leaves `to` out of the text when there is none", () => {
    expect(broadcast().signature?.text).toBe(`{"msg_type":"BROADCAST","originator":"${alice.peerId}","time":${TIME},"seq":42,"msg":{"text":"hello"}}`);
  });

  it("gives the envelope receivers will parse (the payload as JSON reads it back)", () => {
    const envelope = signEnvelope(alice, { msg_type: "BROADCAST", msg: { at: new Date(0), gone: undefined }, time: TIME, seq: 0 });
    expect(envelope.msg).toEqual({ at: "1970-01-01T00:00:00.000Z" });
    expect(receive(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it.each([
    ["a negative seq", { seq: -1 }],
    ["a fractional seq", { seq: 0.5 }],
    ["a seq past 2^53-1", { seq: 2 ** 53 }],
    ["an undefined msg", { msg: undefined }],
    ["an empty msg_type", { msg_type: "" }],
    ["a to of 300 characters", { to: "x".repeat(300) }],
    ["a non-finite time", { time: Infinity }],
    ["a negative ttl", { ttl: -1 }],
    ["a payload nested 100 deep", { msg: JSON.parse("[".repeat(100) + "]".repeat(100)) as unknown }],
  ])("refuses %s before signing", (_name, change) => {
    expect(() => signEnvelope(alice, { msg_type: "BROADCAST", msg: 1, time: TIME, seq: 1, ...change })).toThrow(TypeError);
  });
});

describe("verifySignature", () => {
  it("accepts a genuine message after the wire, with or without a key cache", () => {
    const envelope = receive(encodeEnvelope(broadcast()));
    expect(verifySignature(envelope)).toBe(true);
    expect(verifySignature(envelope, new PublicKeyCache(4))).toBe(true);
  });

  it("refuses a forged signature: the text signed by another key, under the victim's originator", () => {
    const text = `{"msg_type":"BROADCAST","originator":"${alice.peerId}","time":${TIME},"seq":43,"msg":{"text":"forged"}}`;
    const sig = sign(null, Buffer.from(text), mallory.privateKey).toString("base64url");
    const envelope = receive(JSON.stringify({ msg_type: "BROADCAST", ttl: 15, sig, signed: text }));
    expect(envelope.originator).toBe(alice.peerId);
    expect(verifySignature(envelope)).toBe(false);
    expect(verifySignature(envelope, new PublicKeyCache())).toBe(false);
  });

  it("refuses a signed text with one byte changed", () => {
    const frame = frameOf(broadcast());
    const at = frame.signed.indexOf("hello");
    const signed = frame.signed.slice(0, at) + "j" + frame.signed.slice(at + 1);
    const envelope = receive(JSON.stringify({ ...frame, signed }));
    expect(envelope.msg).toEqual({ text: "jello" });
    expect(verifySignature(envelope)).toBe(false);
  });

  it("refuses every one-bit change of the signature", () => {
    const frame = frameOf(broadcast());
    const bytes = Buffer.from(frame.sig, "base64url");
    for (let bit = 0; bit < 512; bit += 1) {
      const changed = Buffer.from(bytes);
      changed[bit >> 3]! ^= 1 << (bit & 7);
      const envelope = receive(JSON.stringify({ ...frame, sig: changed.toString("base64url") }));
      expect(verifySignature(envelope), `bit ${bit}`).toBe(false);
    }
  });

  it("refuses a message re-attributed to another originator (the key comes from the signed text's originator)", () => {
    const frame = frameOf(broadcast());
    const signed = frame.signed.replace(alice.peerId, mallory.peerId);
    expect(verifySignature(receive(JSON.stringify({ ...frame, signed })))).toBe(false);
  });

  it("returns false, never throws, without a signature, with an originator that is no peer id, or a mangled signature", () => {
    const envelope = broadcast();
    expect(verifySignature({ ...envelope, signature: undefined })).toBe(false);
    expect(verifySignature({ ...envelope, originator: "n1" })).toBe(false);
    expect(verifySignature({ ...envelope, originator: alice.peerId.slice(0, -1) + "b" })).toBe(false);
    expect(verifySignature({ ...envelope, signature: { text: envelope.signature!.text, sig: "short" } })).toBe(false);
    expect(verifySignature({ ...envelope, signature: { text: 5, sig: 6 } as never })).toBe(false);
    expect(verifySignature({ ...envelope, originator: 7 as never }, new PublicKeyCache())).toBe(false);
  });
});

describe("verifySignatureOffLoop", () => {
  it("gives verifySignature's verdict, from the thread pool, and never rejects", async () => {
    const genuine = receive(encodeEnvelope(broadcast()));
    const frame = frameOf(broadcast());
    const bytes = Buffer.from(frame.sig, "base64url");
    bytes[0]! ^= 1;
    const forged = receive(JSON.stringify({ ...frame, sig: bytes.toString("base64url") }));
    const keys = new PublicKeyCache();
    const pending = verifySignatureOffLoop(genuine, keys);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(true);
    expect(await verifySignatureOffLoop(forged, keys)).toBe(false);
    expect(await verifySignatureOffLoop({ ...genuine, signature: undefined })).toBe(false);
    expect(await verifySignatureOffLoop({ ...genuine, originator: "n1" })).toBe(false);
    expect(await verifySignatureOffLoop({ ...genuine, signature: { text: genuine.signature!.text, sig: "short" } })).toBe(false);
  });
});

describe("PublicKeyCache", () => {
  it("holds at most its capacity of keys and gives the key each peer id names", () => {
    const cache = new PublicKeyCache(2);
    const ids = [alice, mallory, ephemeralIdentity()].map((identity) => identity.peerId);
    for (const id of ids) expect(cache.keyOf(id).export({ format: "jwk" })).toEqual(publicKeyOfPeerId(id).export({ format: "jwk" }));
    expect(cache.size).toBe(2);
    expect(cache.keyOf(ids[0]!).export({ format: "jwk" })).toEqual(publicKeyOfPeerId(ids[0]!).export({ format: "jwk" }));
    expect(() => cache.keyOf("pk_nope")).toThrow(InvalidPeerIdError);
    expect(() => new PublicKeyCache(0)).toThrow(RangeError);
  });
});

describe("SequenceCounter", () => {
  it("starts at the clock's milliseconds × 1000 and adds one per message", () => {
    const clock = new FakeClock(TIME);
    const counter = new SequenceCounter(clock);
    expect(counter.next()).toBe(TIME * 1000);
    expect(counter.next()).toBe(TIME * 1000 + 1);
    expect(Number.isSafeInteger(TIME * 1000)).toBe(true);
  });

  it("keeps increasing across a restart with the same key, a millisecond later", () => {
    const clock = new FakeClock(TIME);
    const first = new SequenceCounter(clock);
    let last = 0;
    for (let i = 0; i < 999; i++) last = first.next();
    clock.advance(1);
    expect(new SequenceCounter(clock).next()).toBeGreaterThan(last);
  });
});
