// Issue 9, item 7, unit level: sanitizeText, the printers and the stderr logger on hostile text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HumanPrinter, JsonPrinter } from "../../src/cli/output.js";
import { StreamLogger } from "../../src/base/logger.js";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { checkPeerInfo, isNick } from "../../src/base/peer.js";
import { sanitizeText } from "../../src/base/safe-text.js";

function sink(): { text: string; write(chunk: string): void } {
  return {
    text: "",
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

function broadcast(msg: unknown, originator = "abc123"): BroadcastEvent {
  return { id: "m1", originator, msg, envelope: { msg_type: "BROADCAST", msg, originator, time: 0, id: "m1" } };
}

/** Raw characters a terminal must not get: controls but the line feed, format characters, separators, lone surrogates. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Cs}\u2028\u2029]/u;

// One of each kind: C0 (ESC, CR, TAB), DEL, C1 (CSI, NEL), bidi (RLO, PDF, LRI, PDI), zero-width (ZWSP,
// ZWJ), BOM, soft hyphen, an astral tag character, a lone surrogate, the line and paragraph separators.
const NASTY = "\u001b[2J\r\t\u007f\u009b\u0085\u202E\u202C\u2066\u2069\u200B\u200D\uFEFF\u00AD\u{E0041}\ud800\u2028\u2029";

/** Any text, biased towards the characters above. */
const hostileText = fc.string({ unit: fc.oneof(fc.constantFrom(...Array.from(NASTY)), fc.constantFrom(..."ab <>()\"\\"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 40 });

describe("sanitizeText", () => {
  it("removes every control, format and separator character, and nothing else", () => {
    expect(sanitizeText(`a${NASTY}b`)).toBe("a[2Jb");
    expect(sanitizeText("héllo wörld 🙂 日本")).toBe("héllo wörld 🙂 日本");
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(UNSAFE.test(sanitizeText(text))).toBe(false);
      }),
    );
  });

  it("escapes them as \\uXXXX instead, so that JSON stays JSON and parses back to the same value", () => {
    expect(sanitizeText("a\u0085\u202E\u{E0041}b", "escape")).toBe("a\\u0085\\u202e\\udb40\\udc41b");
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), hostileText, (value, text) => {
        const escaped = sanitizeText(JSON.stringify({ value, text }), "escape");
        expect(UNSAFE.test(escaped)).toBe(false);
        expect(JSON.parse(escaped)).toEqual(JSON.parse(JSON.stringify({ value, text })));
      }),
    );
  });
});

describe("HumanPrinter on hostile text", () => {
  it("never prints a raw unsafe character, whatever the id, nick, text, host, reason or payload", () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, hostileText, (id, nick, text, other) => {
        const out = sink();
        const err = sink();
        const printer = new HumanPrinter(out, err, () => 0);
        const peer = { id, host: other, port: 1 };
        printer.peerConnect(peer);
        printer.peerDisconnect(peer, other);
        printer.broadcast(broadcast({ text, nick }, id));
        printer.direct({ ...broadcast({ text, nick }, id), envelope: { msg_type: "DIRECT", msg: {}, originator: id, time: 0, id: "d" } });
        printer.test({ originator: id, msg: { [other]: text }, envelope: { msg_type: "TEST", msg: {}, originator: id, time: 0 } });
        printer.broadcast(broadcast([text, other], id));
        printer.peers([{ ...peer, nick, connected: true, lastSeen: 0 }]);
        printer.undelivered({ id: other, to: id, reason: text });
        printer.error(text, other);
        // One line per event (two for /peers): nothing a peer sends can start a line of its own.
        expect(out.text.split("\n")).toHaveLength(10);
        expect(UNSAFE.exec(out.text + err.text)).toBeNull();
      }),
    );
  });

  it("shows a nick only when it is one (at most 32 letters, digits, symbols, _ . -), so no nick can forge a line prefix", () => {
    const lines = (nick: string, originator = "3f2a") => {
      const out = sink();
      new HumanPrinter(out, sink()).broadcast(broadcast({ text: "hi", nick }, originator));
      return out.text;
    };
    expect(lines("alice")).toBe("<alice (3f2a)> hi\n");
    expect(lines("n".repeat(32))).toBe(`<${"n".repeat(32)} (3f2a)> hi\n`);
    expect(lines("José_🙂-2.0")).toBe("<José_🙂-2.0 (3f2a)> hi\n");
    expect(lines("n".repeat(33))).toBe("<3f2a> hi\n");
    expect(lines(`${" ".repeat(270)}<alice (3f2a1c0d)>`)).toBe("<3f2a> hi\n");
    expect(lines("bob (9e8b)> hi <eve")).toBe("<3f2a> hi\n");
    expect(lines("bo\u200Bb")).toBe("<3f2a> hi\n");
  });

  it("quotes an id that is not plain, so that it cannot pass for another prefix or another id", () => {
    const line = (originator: string) => {
      const out = sink();
      new HumanPrinter(out, sink()).broadcast(broadcast({ text: "hi" }, originator));
      return out.text;
    };
    expect(line("3f2a1c0d")).toBe("<3f2a1c0d> hi\n");
    expect(line("bob (3f2a1c0d)")).toBe('<"bob (3f2a1c0d)"> hi\n');
    expect(line("3f2a1c0d\u200B")).toBe('<"3f2a1c0d\\u200b"> hi\n');
    expect(line("a\u202Eb")).toBe('<"a\\u202eb"> hi\n');
  });
});

describe("JsonPrinter on hostile text", () => {
  it("keeps the data (the parsed line equals the event) and writes no raw unsafe character", () => {
    fc.assert(
      fc.property(hostileText, hostileText, fc.jsonValue({ maxDepth: 2 }), (id, text, extra) => {
        const out = sink();
        const msg = { text, nick: text, extra };
        new JsonPrinter(out).broadcast(broadcast(msg, id));
        expect(UNSAFE.exec(out.text)).toBeNull();
        expect(out.text.endsWith("\n") && out.text.indexOf("\n") === out.text.length - 1).toBe(true);
        expect(JSON.parse(out.text)).toEqual({ event: "broadcast", id: "m1", originator: id, msg: JSON.parse(JSON.stringify(msg)) });
      }),
    );
  });

  it("escapes C1 and bidi characters, which JSON.stringify leaves raw", () => {
    const out = sink();
    new JsonPrinter(out).test({ originator: "x\u0085", msg: "\u202Eabc\u200B", envelope: { msg_type: "TEST", msg: "", originator: "x", time: 0 } });
    expect(out.text).toBe('{"event":"test","originator":"x\\u0085","msg":"\\u202eabc\\u200b"}\n');
  });
});

describe("StreamLogger on hostile text", () => {
  it("escapes unsafe characters in the message and in every field, ids included: one entry, one line", () => {
    const out = sink();
    const logger = new StreamLogger("node", "debug", out);
    logger.warn("rejected a frame\u2028from\u009b", { peer: "ev\u0085il\u202E", reason: "x\ny", nested: { k: "\u200B" }, error: new Error("boom\u001b[2J") });
    expect(out.text).toMatch(/ WARN  \[node\] rejected a frame\\u2028from\\u009b peer="ev\\u0085il\\u202e" reason="x\\ny" nested=\{"k":"\\u200b"\} error="boom\\u001b\[2J"\n$/);
    expect(UNSAFE.exec(out.text)).toBeNull();
  });

  it("never throws on a field JSON.stringify refuses", () => {
    const out = sink();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    new StreamLogger("node", "info", out).info("odd fields", { big: 10n, cyclic });
    expect(out.text).toContain('big="10" cyclic="[object Object]"');
  });
});

describe("nicks", () => {
  it("isNick: 1 to 32 characters of letters, marks, digits, symbols, _ . -", () => {
    for (const good of ["alice", "n".repeat(32), "José", "सुनील", "🙂", "a_b-c.d", "日本"]) expect(isNick(good), good).toBe(true);
    for (const bad of ["", "n".repeat(33), "🙂".repeat(33), "a b", "<a>", "a(b)", "a\u200Bb", "a\u202Eb", "\u0301a", 'a"b', 42, undefined]) expect(isNick(bad), String(bad)).toBe(false);
  });

  it("checkPeerInfo refuses a nick longer than 32 characters, counting characters and not UTF-16 units", () => {
    const info = { id: "a", host: "127.0.0.1", port: 1 };
    expect(checkPeerInfo({ ...info, nick: "n".repeat(32) })).toBeUndefined();
    expect(checkPeerInfo({ ...info, nick: "🙂".repeat(32) })).toBeUndefined();
    expect(checkPeerInfo({ ...info, nick: "n".repeat(33) })).toMatch(/at most 32 characters/);
    expect(checkPeerInfo({ ...info, nick: "n".repeat(300) })).toMatch(/at most 32 characters/);
    // Other characters are accepted on the wire (peers of older versions) but never shown as a nick.
    expect(checkPeerInfo({ ...info, nick: "Alice Smith" })).toBeUndefined();
  });
});
