import { describe, expect, it } from "vitest";
import { parseEnvelope } from "../../src/base/envelope.js";

const valid = { msg_type: "TEST", msg: { a: 1 }, originator: "n1", time: 1764000000000 };
const frame = (value: unknown) => JSON.stringify(value);

describe("parseEnvelope", () => {
  it("accepts the four fields of the original design plus id, to and ttl", () => {
    const result = parseEnvelope(frame({ ...valid, id: "m", to: "n2", ttl: 3 }));
    expect(result).toEqual({ ok: true, envelope: { ...valid, id: "m", to: "n2", ttl: 3 } });
  });

  it.each([
    ["invalid JSON", "{nope", "not valid JSON"],
    ["a JSON array", "[1,2]", "not a JSON object"],
    ["a JSON string", '"hi"', "not a JSON object"],
    ["null", "null", "not a JSON object"],
    ["a missing msg_type", frame({ ...valid, msg_type: undefined }), "msg_type"],
    ["an empty msg_type", frame({ ...valid, msg_type: "" }), "msg_type"],
    ["a missing msg", frame({ msg_type: "T", originator: "a", time: 1 }), "msg is missing"],
    ["a numeric originator", frame({ ...valid, originator: 5 }), "originator"],
    ["a string time", frame({ ...valid, time: "Tue Nov 24" }), "time"],
    ["a negative ttl", frame({ ...valid, ttl: -1 }), "ttl"],
    ["a fractional ttl", frame({ ...valid, ttl: 1.5 }), "ttl"],
    ["an empty id", frame({ ...valid, id: "" }), "id"],
    ["a BROADCAST without id", frame({ ...valid, msg_type: "BROADCAST" }), "id is required on BROADCAST"],
    ["a __proto__ key in the payload", '{"msg_type":"T","msg":{"__proto__":{"x":1}},"originator":"a","time":1}', "forbidden key"],
    ["a constructor key nested in a list", frame({ ...valid, msg: [{ constructor: { prototype: 1 } }] }), "forbidden key"],
    ["a __proto__ key hidden behind a \\u escape", '{"msg_type":"T","msg":{"__pro\\u0074o__":{"x":1}},"originator":"a","time":1}', "forbidden key"],
  ])("rejects %s, naming the reason", (_name, text, reason) => {
    const result = parseEnvelope(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });

  it("leaves Object.prototype untouched by a hostile payload", () => {
    parseEnvelope('{"msg_type":"T","msg":{"__proto__":{"polluted":1}},"originator":"a","time":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
