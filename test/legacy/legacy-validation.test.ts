// Issue 10, item 5: a legacy message becomes an envelope through the one validation every frame takes
// (`parseEnvelope`: JSON, `checkJsonValue`, the dialect's translation, `checkEnvelope`), not through a
// second path of its own.
import { describe, expect, it } from "vitest";
import { checkEnvelope, checkJsonValue, parseEnvelope } from "../../src/base/envelope.js";
import { decodeLegacy, translateLegacy } from "../../src/legacy/codec.js";

const time = "Tue Nov  3 16:20:05 2026";
const legacy = (msg: unknown, extra: Record<string, unknown> = {}): string => JSON.stringify({ msg_type: "TEST", msg, originator: "py", time, ...extra });

describe("the legacy dialect's way in", () => {
  it("is parseEnvelope with the legacy translation: the same result, whatever the message", () => {
    const texts = [
      legacy("hello"),
      JSON.stringify({ msg_type: "PING", msg: ["127.0.0.1", 5001], originator: "py", time }),
      JSON.stringify({ msg_type: "BROADCAST", msg: "hi", originator: "py", time: 1764000000.5 }),
      legacy({ constructor: { prototype: { polluted: true } } }),
      "{not json",
    ];
    for (const text of texts) {
      const viaParse = parseEnvelope(text, { translate: translateLegacy });
      const viaCodec = decodeLegacy(text);
      expect(viaCodec.ok).toBe(viaParse.ok);
      if (viaParse.ok && viaCodec.ok) expect(viaCodec.envelope).toEqual(viaParse.envelope);
      if (!viaParse.ok && !viaCodec.ok) expect(viaCodec.reason).toBe(`legacy message: ${viaParse.reason}`);
    }
  });

  it("refuses a forbidden key with the shared check's reason, at any depth, even in a field the translation drops", () => {
    const forbidden = checkJsonValue(JSON.parse('{"__proto__":{}}'));
    expect(forbidden).toBeDefined();
    for (const text of [
      legacy({ constructor: { prototype: { polluted: true } } }),
      legacy(JSON.parse('[{"__proto__":{"polluted":true}}]')),
      // A top-level field no legacy message carries, which the mapping would never look at.
      `{"msg_type":"TEST","msg":"x","originator":"py","time":1,"__proto__":{"polluted":true}}`,
    ]) {
      expect(decodeLegacy(text)).toEqual({ ok: false, reason: `legacy message: ${forbidden}` });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses nesting deeper than limits.maxJsonDepth with the shared check's reason, before the translation walks it", () => {
    const deep = JSON.parse("[".repeat(200) + "]".repeat(200)) as unknown;
    const reason = checkJsonValue({ msg: deep }, 64);
    expect(reason).toMatch(/limits\.maxJsonDepth \(64\)/);
    expect(decodeLegacy(legacy(deep), 64)).toEqual({ ok: false, reason: `legacy message: ${reason}` });
    // The limit is the node's: a shallow message passes at 64, and is refused at a depth of 2.
    expect(decodeLegacy(legacy([[1]]), 64).ok).toBe(true);
    expect(decodeLegacy(legacy([[1]]), 2)).toMatchObject({ ok: false, reason: expect.stringContaining("limits.maxJsonDepth (2)") });
  });

  it("checks the translated message with checkEnvelope: what the mapping lets through, the envelope check still refuses", () => {
    // The mapping takes any string originator; the envelope wants a non-empty name.
    const text = JSON.stringify({ msg_type: "TEST", msg: "x", originator: "", time });
    const translated = translateLegacy(JSON.parse(text));
    expect(translated.ok).toBe(true);
    const envelopeReason = checkEnvelope(translated.ok ? translated.value : undefined);
    expect(envelopeReason).toBe("field originator must be a non-empty string");
    expect(decodeLegacy(text)).toEqual({ ok: false, reason: `legacy message: ${envelopeReason}` });
  });

  it("says why the mapping refuses a message that is JSON but no legacy message", () => {
    expect(decodeLegacy("[1,2]")).toEqual({ ok: false, reason: "legacy message: not a JSON object" });
    expect(decodeLegacy(JSON.stringify({ msg_type: "PING", msg: "h:1", originator: "py", time }))).toEqual({
      ok: false,
      reason: "legacy message: PING payload must be [host, port]",
    });
  });
});
