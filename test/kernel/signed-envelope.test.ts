// The signed frame form of protocol v2 in parseEnvelope / encodeEnvelope (src/base/envelope.ts): the
// shape checks. Whether the signature is right is verifySignature's (test/secure/signing.test.ts).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, parseEnvelope, parseFrame, signedMessageId, type Envelope } from "../../src/base/envelope.js";
import { relayCopy } from "../../src/kernel/ttl.js";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { signEnvelope, verifySignature } from "../../src/secure/signing.js";

const alice = ephemeralIdentity();
const SIG = "A".repeat(86);
const inner = { msg_type: "BROADCAST", originator: alice.peerId, time: 1764000000000, seq: 7, msg: { text: "hi" } };

/** A signed frame's text: the outer object around `signed` (text, or a value to stringify). */
function signedFrame(signed: unknown, outer: Record<string, unknown> = {}): string {
  return JSON.stringify({ msg_type: "BROADCAST", ttl: 5, sig: SIG, signed: typeof signed === "string" ? signed : JSON.stringify(signed), ...outer });
}

function reasonOf(text: string, maxJsonDepth?: number): string {
  const result = parseEnvelope(text, maxJsonDepth === undefined ? {} : { maxJsonDepth });
  return result.ok ? "(accepted)" : result.reason;
}

describe("parseEnvelope: the signed form", () => {
  it("gives the inner envelope, with the outer ttl, id = sha256 of the text and the signature", () => {
    const text = JSON.stringify(inner);
    const result = parseEnvelope(signedFrame(text));
    const id = createHash("sha256").update(Buffer.from(text, "utf8")).digest("base64url");
    expect(id).toHaveLength(43);
    expect(result).toEqual({ ok: true, envelope: { ...inner, ttl: 5, id, signature: { text, sig: SIG } } });
    expect(signedMessageId(text)).toBe(id);
  });

  it("hashes the UTF-8 bytes of the text (multi-byte characters, escapes kept as written)", () => {
    const text = '{"msg_type":"BROADCAST","originator":"o","time":1,"seq":0,"msg":"h\\u00e9 é 😀"}';
    const result = parseEnvelope(signedFrame(text));
    expect(result.ok && result.envelope.id).toBe(createHash("sha256").update(Buffer.from(text, "utf8")).digest("base64url"));
    expect(result.ok && result.envelope.msg).toBe("hé é 😀");
  });

  it("takes a frame without ttl, and gives an envelope without ttl", () => {
    const result = parseEnvelope(signedFrame(inner, { ttl: undefined }));
    expect(result.ok && "ttl" in result.envelope).toBe(false);
  });

  it.each([
    ["a swapped outer msg_type", signedFrame(inner, { msg_type: "DIRECT" }), "msg_type differs"],
    ["an inner id field", signedFrame({ ...inner, id: "chosen" }), "may not carry field id"],
    ["an inner ttl field", signedFrame({ ...inner, ttl: 3 }), "may not carry field ttl"],
    ["an inner sig field", signedFrame({ ...inner, sig: SIG }), "may not carry field sig"],
    ["an inner signed field", signedFrame({ ...inner, signed: "{}" }), "may not carry field signed"],
    ["an inner signature field", signedFrame({ ...inner, signature: { text: "{}", sig: SIG } }), "may not carry field signature"],
    ["a missing seq", signedFrame({ ...inner, seq: undefined }), "seq"],
    ["a negative seq", signedFrame({ ...inner, seq: -1 }), "seq"],
    ["a fractional seq", signedFrame({ ...inner, seq: 1.5 }), "seq"],
    ["a seq past 2^53-1", signedFrame({ ...inner, seq: 2 ** 53 }), "seq"],
    ["a string seq", signedFrame({ ...inner, seq: "7" }), "seq"],
    ["another outer field", signedFrame(inner, { originator: "someone" }), "only msg_type, ttl, sig and signed may lie outside"],
    ["an outer id", signedFrame(inner, { id: "x" }), "only msg_type, ttl, sig and signed may lie outside"],
    ["an outer msg", signedFrame(inner, { msg: 1 }), "only msg_type, ttl, sig and signed may lie outside"],
    ["a sig of 63 bytes", signedFrame(inner, { sig: "A".repeat(84) }), "64-byte signature"],
    ["a sig of 65 bytes", signedFrame(inner, { sig: "A".repeat(87) }), "64-byte signature"],
    ["a non-canonical sig", signedFrame(inner, { sig: "A".repeat(85) + "B" }), "64-byte signature"],
    ["a sig in base64 rather than base64url", signedFrame(inner, { sig: "+".repeat(85) + "A" }), "64-byte signature"],
    ["a numeric sig", signedFrame(inner, { sig: 5 }), "64-byte signature"],
    ["a sig without signed", JSON.stringify({ ...inner, id: "x", sig: SIG }), "only msg_type, ttl, sig and signed may lie outside"],
    ["signed without sig", JSON.stringify({ msg_type: "BROADCAST", signed: JSON.stringify(inner) }), "64-byte signature"],
    ["a signed object rather than text", JSON.stringify({ msg_type: "BROADCAST", sig: SIG, signed: inner }), "signed must be a string"],
    ["a negative outer ttl", signedFrame(inner, { ttl: -1 }), "ttl"],
    ["a missing outer msg_type", signedFrame(inner, { msg_type: undefined }), "msg_type"],
    ["a signed text that is not JSON", signedFrame("{nope"), "not valid JSON"],
    ["a signed text that is an array", signedFrame([inner]), "not a JSON object"],
    ["a signed text with a lone surrogate", signedFrame(`{"msg_type":"BROADCAST","originator":"o","time":1,"seq":0,"msg":"\ud800"}`), "well-formed"],
    ["an inner originator of 300 characters", signedFrame({ ...inner, originator: "o".repeat(300) }), "originator"],
    ["an inner msg_type of 300 characters", signedFrame({ ...inner, msg_type: "T".repeat(300) }, { msg_type: "T".repeat(300) }), "msg_type"],
    ["a missing inner msg", signedFrame({ ...inner, msg: undefined }), "msg is missing"],
    ["a __proto__ key in the signed text", signedFrame('{"msg_type":"BROADCAST","originator":"o","time":1,"seq":0,"msg":{"__proto__":{"x":1}}}'), "forbidden key"],
    ["a forbidden key hidden behind an escape in the signed text", signedFrame('{"msg_type":"BROADCAST","originator":"o","time":1,"seq":0,"msg":{"constructo\\u0072":1}}'), "forbidden key"],
  ])("refuses %s, naming the reason", (_name, text, reason) => {
    expect(reasonOf(text)).toContain(reason);
  });

  it("bounds the signed text's depth by limits.maxJsonDepth on its own (the outer string does not hide it)", () => {
    const nested = (depth: number) => `{"msg_type":"BROADCAST","originator":"o","time":1,"seq":0,"msg":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    expect(reasonOf(signedFrame(nested(63)))).toBe("(accepted)");
    expect(reasonOf(signedFrame(nested(64)))).toBe("signed frame: JSON nested deeper than limits.maxJsonDepth (64)");
    expect(reasonOf(signedFrame(nested(3)), 4)).toBe("(accepted)");
    expect(reasonOf(signedFrame(nested(4)), 4)).toContain("deeper than limits.maxJsonDepth (4)");
    // Far deeper than any stack: refused, never thrown.
    expect(reasonOf(signedFrame(nested(100_000)))).toContain("deeper than");
  });

  it("takes a large payload inside the signed text (only limits.maxFrameBytes bounds it)", () => {
    const result = parseEnvelope(signedFrame({ ...inner, msg: { text: "é".repeat(200_000) } }));
    expect(result.ok).toBe(true);
  });

  it("refuses a field named signature in a plain frame: a signature comes only from the signed form", () => {
    const plain = { msg_type: "BROADCAST", msg: 1, originator: "o", time: 1, id: "m", signature: { text: JSON.stringify(inner), sig: SIG } };
    expect(reasonOf(JSON.stringify(plain))).toContain("field signature is reserved");
  });

  it("checks seq in a plain frame too, since the envelope types it", () => {
    const plain = { msg_type: "TEST", msg: 1, originator: "o", time: 1 };
    expect(reasonOf(JSON.stringify({ ...plain, seq: 3 }))).toBe("(accepted)");
    expect(reasonOf(JSON.stringify({ ...plain, seq: "3" }))).toContain("field seq");
  });

  it("applies a dialect's translation to the outer value first", () => {
    const wrapped = JSON.stringify({ wrapped: JSON.parse(signedFrame(inner)) as unknown });
    const result = parseEnvelope(wrapped, { translate: (value) => ({ ok: true, value: (value as { wrapped: unknown }).wrapped }) });
    expect(result.ok && result.envelope.seq).toBe(7);
  });

  it("never throws on a mangled signed frame", () => {
    const good = signedFrame(inner);
    for (let cut = 0; cut <= good.length; cut += 7) {
      expect(() => parseEnvelope(good.slice(0, cut))).not.toThrow();
      expect(() => parseEnvelope(good.slice(0, cut) + '"}')).not.toThrow();
    }
  });
});

describe("encodeEnvelope: the signed form", () => {
  it("emits exactly msg_type, ttl, sig and signed, the text unchanged", () => {
    const envelope = signEnvelope(alice, { msg_type: "BROADCAST", msg: { text: "hi" }, time: 1764000000000, seq: 9, ttl: 4 });
    const frame = encodeEnvelope(envelope);
    expect(Object.keys(JSON.parse(frame) as object)).toEqual(["msg_type", "ttl", "sig", "signed"]);
    expect(JSON.parse(frame)).toEqual({ msg_type: "BROADCAST", ttl: 4, sig: envelope.signature!.sig, signed: envelope.signature!.text });
    expect(encodeEnvelope({ ...envelope, ttl: undefined })).toBe(JSON.stringify({ msg_type: "BROADCAST", sig: envelope.signature!.sig, signed: envelope.signature!.text }));
  });

  it("round-trips: what a receiver parses is the envelope that was signed", () => {
    const envelope = signEnvelope(alice, { msg_type: "DIRECT", msg: { box: "x" }, time: 1764000000000, seq: 0, to: alice.peerId, ttl: 3 });
    const result = parseEnvelope(encodeEnvelope(envelope));
    expect(result).toEqual({ ok: true, envelope });
  });

  it("lets a relay rewrite the ttl (outside the signature): the id and the signed bytes are unchanged", () => {
    const sent = signEnvelope(alice, { msg_type: "BROADCAST", msg: { text: "relay me" }, time: 1764000000000, seq: 1, ttl: 15 });
    let hop: Envelope = sent;
    for (let i = 0; i < 3; i++) {
      const received = parseEnvelope(encodeEnvelope(hop));
      if (!received.ok) throw new Error(received.reason);
      expect(received.envelope.id).toBe(sent.id);
      expect(received.envelope.signature).toEqual(sent.signature);
      expect(verifySignature(received.envelope)).toBe(true);
      hop = relayCopy(received.envelope, 15)!;
    }
    expect(hop.ttl).toBe(12);
    // A relay that sets any ttl it likes (here a larger one) changes neither the id nor the validity.
    const rewritten = parseEnvelope(encodeEnvelope({ ...sent, ttl: 64 }));
    expect(rewritten.ok && rewritten.envelope.ttl).toBe(64);
    expect(rewritten.ok && rewritten.envelope.id).toBe(sent.id);
    expect(rewritten.ok && verifySignature(rewritten.envelope)).toBe(true);
  });

  it("ignores changes to the other fields of a signed envelope: the signed text is what goes out", () => {
    const sent = signEnvelope(alice, { msg_type: "BROADCAST", msg: { text: "original" }, time: 1764000000000, seq: 2 });
    const result = parseEnvelope(encodeEnvelope({ ...sent, msg: { text: "changed" }, originator: "someone else" }));
    expect(result.ok && result.envelope.msg).toEqual({ text: "original" });
    expect(result.ok && result.envelope.originator).toBe(alice.peerId);
  });
});

describe("parseFrame: a signed frame whose id the receiver knows", () => {
  it("stops after the outer checks and the id: the signed text is not parsed", () => {
    const text = "{not json at all";
    const asked: Array<[string, string, string]> = [];
    const isKnown = (type: string, id: string, sig: string): boolean => (asked.push([type, id, sig]), true);
    expect(parseFrame(signedFrame(text), { isKnown })).toEqual({ ok: "known", msg_type: "BROADCAST", id: signedMessageId(text) });
    expect(asked).toEqual([["BROADCAST", signedMessageId(text), SIG]]);
    // Unknown, the same frame is parsed in full and refused.
    expect(parseFrame(signedFrame(text), { isKnown: () => false })).toEqual({ ok: false, reason: "signed frame: the signed text is not valid JSON" });
    expect(parseEnvelope(signedFrame(text))).toEqual({ ok: false, reason: "signed frame: the signed text is not valid JSON" });
  });

  it("still refuses a bad outer object, before asking", () => {
    const isKnown = (): boolean => {
      throw new Error("must not be asked");
    };
    const text = JSON.stringify(inner);
    expect(parseFrame(signedFrame(text, { sig: "short" }), { isKnown }).ok).toBe(false);
    expect(parseFrame(signedFrame(text, { ttl: -1 }), { isKnown }).ok).toBe(false);
    expect(parseFrame(signedFrame(text, { extra: 1 }), { isKnown }).ok).toBe(false);
    expect(parseFrame(signedFrame(`{"a":"\ud800"}`), { isKnown })).toEqual({ ok: false, reason: "signed frame: the signed text is not well-formed Unicode" });
  });

  it("is not asked about unsigned frames", () => {
    const plain = JSON.stringify({ msg_type: "BROADCAST", msg: 1, originator: "a", time: 1, id: "x" });
    expect(parseFrame(plain, { isKnown: () => true })).toMatchObject({ ok: true, envelope: { id: "x" } });
  });
});
