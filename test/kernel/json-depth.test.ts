import { describe, expect, it } from "vitest";
import { checkJsonValue, DEFAULT_MAX_JSON_DEPTH, parseEnvelope } from "../../src/base/envelope.js";

const nested = (depth: number, open = "[", close = "]") => JSON.parse(`${open.repeat(depth)}${close.repeat(depth)}`) as unknown;
const frame = (msg: string) => `{"msg_type":"TEST","msg":${msg},"originator":"a","time":1}`;

describe("checkJsonValue", () => {
  it("counts a container as depth 1 and a scalar as 0, and accepts exactly maxDepth", () => {
    expect(checkJsonValue(1, 1)).toBeUndefined();
    expect(checkJsonValue("x".repeat(10), 1)).toBeUndefined();
    expect(checkJsonValue([], 1)).toBeUndefined();
    expect(checkJsonValue([[]], 1)).toMatch(/limits\.maxJsonDepth \(1\)/);
    expect(checkJsonValue(nested(64))).toBeUndefined();
    expect(checkJsonValue(nested(65))).toBe(`JSON nested deeper than limits.maxJsonDepth (${DEFAULT_MAX_JSON_DEPTH})`);
    expect(checkJsonValue(JSON.parse('{"a":{"b":[{"c":1}]}}'), 4)).toBeUndefined();
    expect(checkJsonValue(JSON.parse('{"a":{"b":[{"c":{}}]}}'), 4)).toMatch(/\(4\)/);
  });

  it("walks 300,000 levels of arrays or objects without recursion, and finds forbidden keys at any depth", () => {
    expect(checkJsonValue(nested(300_000), 300_000)).toBeUndefined();
    expect(checkJsonValue(nested(300_000))).toMatch(/maxJsonDepth/);
    const deepObject = JSON.parse(`${'{"a":'.repeat(100_000)}{"constructor":1}${"}".repeat(100_000)}`) as unknown;
    expect(checkJsonValue(deepObject, 200_000)).toMatch(/forbidden key/);
    expect(checkJsonValue(JSON.parse('[1,{"x":[{"__proto__":{}}]}]'))).toMatch(/forbidden key/);
    expect(checkJsonValue(JSON.parse('{"k":"__proto__","constructor_":1}'))).toBeUndefined();
  });

  it("still ends, and refuses rather than accepts, when Object.prototype carries an enumerable property", () => {
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.polluted = {};
      expect(checkJsonValue(JSON.parse('{"a":1}'))).toMatch(/maxJsonDepth/);
      expect(checkJsonValue(JSON.parse('[{"__proto__":1}]'))).toMatch(/forbidden key/);
    } finally {
      delete proto.polluted;
    }
    expect(checkJsonValue(JSON.parse('{"a":1}'))).toBeUndefined();
  });
});

describe("parseEnvelope and limits.maxJsonDepth", () => {
  it("counts the envelope as depth 1, takes the limit from its options, 64 by default", () => {
    expect(parseEnvelope(frame("[".repeat(63) + "]".repeat(63))).ok).toBe(true);
    expect(parseEnvelope(frame("[".repeat(64) + "]".repeat(64)))).toEqual({ ok: false, reason: "JSON nested deeper than limits.maxJsonDepth (64)" });
    expect(parseEnvelope(frame("[[]]"), { maxJsonDepth: 3 }).ok).toBe(true);
    expect(parseEnvelope(frame("[[[]]]"), { maxJsonDepth: 3 })).toEqual({ ok: false, reason: "JSON nested deeper than limits.maxJsonDepth (3)" });
  });

  it("rejects the issue's frames (4,000 arrays around an escape or the word constructor) without throwing", () => {
    for (const inner of ['"\\u0041"', '"constructor"']) {
      expect(parseEnvelope(frame(`${"[".repeat(4000)}${inner}${"]".repeat(4000)}`))).toEqual({ ok: false, reason: "JSON nested deeper than limits.maxJsonDepth (64)" });
    }
  });
});
