import { describe, expect, it } from "vitest";
import {
  decodeLegacy,
  encodeLegacy,
  formatCtime,
  legacyBroadcastId,
  legacyDuplicateKey,
  parseLegacyTime,
} from "../../src/legacy/codec.js";

const at = new Date(2026, 10, 3, 16, 20, 5).getTime();

describe("the legacy codec", () => {
  it("formats time as C's ctime() does, in local time with a space-padded day", () => {
    expect(formatCtime(at)).toBe("Tue Nov  3 16:20:05 2026");
  });

  it("parses ctime() strings and float seconds, and refuses anything else", () => {
    expect(parseLegacyTime("Tue Nov  3 16:20:05 2026")).toBe(at);
    expect(parseLegacyTime(1764000000.5)).toBe(1764000000500);
    expect(parseLegacyTime("yesterday")).toBeUndefined();
    expect(parseLegacyTime(null)).toBeUndefined();
  });

  it("maps a legacy PING's [host, port] onto { id, host, port }", () => {
    const result = decodeLegacy(JSON.stringify({ msg_type: "PING", msg: ["127.0.0.1", 5001], originator: "py1", time: "Tue Nov  3 16:20:05 2026" }));
    expect(result).toEqual({
      ok: true,
      envelope: { msg_type: "PING", msg: { id: "py1", host: "127.0.0.1", port: 5001 }, originator: "py1", time: at, legacy_time: "Tue Nov  3 16:20:05 2026" },
    });
  });

  it("gives a legacy BROADCAST a chat payload and an id stable across forwarders", () => {
    const message = { msg_type: "BROADCAST", msg: "hello", originator: "py1", time: "Tue Nov  3 16:20:05 2026" };
    const first = decodeLegacy(JSON.stringify(message));
    const again = decodeLegacy(JSON.stringify({ ...message }));
    expect(first.ok && first.envelope.msg).toEqual({ text: "hello" });
    expect(first.ok && first.envelope.id).toBe(legacyBroadcastId("py1", "hello", at / 1000));
    expect(first.ok && again.ok && first.envelope.id === again.envelope.id).toBe(true);
  });

  it("gives a peerkit chat broadcast the legacy key it will have after crossing over", () => {
    const envelope = { msg_type: "BROADCAST", msg: { text: "hi", nick: "ann" }, originator: "pk1", time: at + 250, id: "u1" };
    const [legacy] = (encodeLegacy(envelope) as { messages: string[] }).messages;
    const crossed = decodeLegacy(legacy!);
    expect(crossed.ok && crossed.envelope.id).toBe(legacyDuplicateKey(envelope));
  });

  it("maps ADVERTISE_REPLY both ways: one legacy message per peer", () => {
    const reply = { msg_type: "ADVERTISE_REPLY", msg: [{ id: "a", host: "h", port: 1 }, { id: "b", host: "h", port: 2 }], originator: "pk", time: at };
    const encoded = encodeLegacy(reply);
    expect(encoded.ok && encoded.messages.map((m) => JSON.parse(m).msg)).toEqual([["a", ["h", 1]], ["b", ["h", 2]]]);
    const decoded = decodeLegacy(JSON.stringify({ msg_type: "ADVERTISE_REPLY", msg: ["a", ["h", 1]], originator: "py", time: 1 }));
    expect(decoded.ok && decoded.envelope.msg).toEqual([{ id: "a", host: "h", port: 1 }]);
  });

  it("refuses to encode a message over 2,048 bytes, saying why", () => {
    const result = encodeLegacy({ msg_type: "BROADCAST", msg: { text: "x".repeat(3000) }, originator: "pk", time: at, id: "u" });
    expect(result).toMatchObject({ ok: false, tooLarge: true, reason: expect.stringContaining("at most 2048") });
  });

  it("has no legacy form for message types the original peers do not know", () => {
    expect(encodeLegacy({ msg_type: "DIRECT", msg: "x", originator: "pk", time: at, id: "u", to: "py" })).toMatchObject({ ok: false });
  });

  it("refuses legacy messages with a bad time or payload", () => {
    expect(decodeLegacy(JSON.stringify({ msg_type: "PING", msg: "127.0.0.1:5001", originator: "py", time: 1 }))).toMatchObject({ ok: false });
    expect(decodeLegacy(JSON.stringify({ msg_type: "TEST", msg: "x", originator: "py", time: "noon" }))).toMatchObject({ ok: false });
  });
});
