import { describe, expect, it } from "vitest";
import { asChatLine, HumanPrinter, JsonPrinter } from "../../src/cli/output.js";
import type { BroadcastEvent, DirectEvent } from "../../src/kernel/node-events.js";

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

function direct(msg: unknown, originator = "abc123"): DirectEvent {
  return { id: "d1", originator, msg, envelope: { msg_type: "DIRECT", msg, originator, time: 0, id: "d1", to: "me", ttl: 5 } };
}

describe("JsonPrinter", () => {
  it("writes each event as one JSON object on one line, in the documented shapes", () => {
    const out = sink();
    const printer = new JsonPrinter(out);
    printer.listening({ id: "a" }, { host: "127.0.0.1", port: 7001 });
    printer.peerConnect({ id: "b", host: "127.0.0.1", port: 7002 });
    printer.peerDisconnect({ id: "b", host: "127.0.0.1", port: 7002 }, "closed");
    printer.broadcast(broadcast({ text: "line\nwith newline", nick: "bo" }, "b"));
    printer.test({ originator: "b", msg: [1], envelope: { msg_type: "TEST", msg: [1], originator: "b", time: 0 } });
    printer.peers([{ id: "b", host: "h", port: 1, connected: true, lastSeen: 5, nick: "bo" }, { id: "c", host: "h", port: 2, connected: true, lastSeen: 0 }]);
    printer.error("no", "ERR_X");

    const lines = out.text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { event: "listening", id: "a", host: "127.0.0.1", port: 7001 },
      { event: "peer:connect", peer: { id: "b", host: "127.0.0.1", port: 7002 } },
      { event: "peer:disconnect", peer: { id: "b", host: "127.0.0.1", port: 7002 }, reason: "closed" },
      { event: "broadcast", id: "m1", originator: "b", msg: { text: "line\nwith newline", nick: "bo" } },
      { event: "test", originator: "b", msg: [1] },
      { event: "peers", peers: [{ id: "b", host: "h", port: 1, nick: "bo", lastSeen: 5 }, { id: "c", host: "h", port: 2, lastSeen: 0 }] },
      { event: "error", message: "no", code: "ERR_X" },
    ]);
  });

  it("writes the one-to-one events in the documented shapes", () => {
    const out = sink();
    const printer = new JsonPrinter(out);
    printer.direct(direct({ text: "psst", nick: "al" }));
    printer.delivered({ id: "d1", to: "b" });
    printer.undelivered({ id: "d2", to: "c", reason: "no acknowledgement" });
    expect(out.text.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
      { event: "direct", id: "d1", originator: "abc123", msg: { text: "psst", nick: "al" } },
      { event: "delivered", id: "d1", to: "b" },
      { event: "undelivered", id: "d2", to: "c", reason: "no acknowledgement" },
    ]);
  });
});

describe("HumanPrinter", () => {
  it("prints chat lines as <nick (id)> text, or <id> text without a nick", () => {
    const out = sink();
    const printer = new HumanPrinter(out, sink());
    printer.broadcast(broadcast({ text: "hello", nick: "alice" }));
    printer.broadcast(broadcast({ text: "hi" }));
    printer.broadcast(broadcast({ other: true }));
    expect(out.text).toBe('<alice (abc123)> hello\n<abc123> hi\n[broadcast] from abc123: {"other":true}\n');
  });

  it("prints one-to-one lines as <nick (id)> [private] text, and their outcomes at the sender", () => {
    const out = sink();
    const printer = new HumanPrinter(out, sink());
    printer.direct(direct({ text: "psst", nick: "alice" }));
    printer.direct(direct({ text: "hi" }));
    printer.direct(direct([1, 2]));
    printer.direct(direct({ text: "\u001b[2Jx" }, "id\u001b"));
    printer.delivered({ id: "d1", to: "bob" });
    printer.undelivered({ id: "d2", to: "ghost", reason: "not\ndelivered" });
    expect(out.text).toBe(
      [
        "<alice (abc123)> [private] psst",
        "<abc123> [private] hi",
        "[direct] from abc123: [1,2]",
        '<"id\\u001b"> [private] [2Jx',
        "[delivered] d1 to bob",
        "[undelivered] d2 to ghost: notdelivered",
        "",
      ].join("\n"),
    );
  });

  it("strips control characters a peer could use to rewrite the terminal", () => {
    const out = sink();
    new HumanPrinter(out, sink()).broadcast(broadcast({ text: "\u001b[2Jgone\rfake", nick: "\u001b[31mred" }));
    // The nick is not a valid nick (it holds ESC and "["): the line is shown without it.
    expect(out.text).toBe("<abc123> [2Jgonefake\n");
  });

  it("prints listening, peers and errors, errors on the error stream", () => {
    const out = sink();
    const err = sink();
    const printer = new HumanPrinter(out, err, () => 10_000);
    printer.listening({ id: "a" }, { host: "127.0.0.1", port: 7001 });
    printer.peers([{ id: "b", host: "127.0.0.1", port: 7002, nick: "bo", connected: true, lastSeen: 7_000 }]);
    printer.peers([]);
    printer.error("boom", "ERR_Y");
    expect(out.text).toBe("[listening] id=a 127.0.0.1:7001\n[peers] 1 connected:\n  b 127.0.0.1:7002 nick=bo, last seen 3s ago\n[peers] none connected\n");
    expect(err.text).toBe("[error] boom (ERR_Y)\n");
  });
});

describe("asChatLine", () => {
  it("accepts { text, nick? } and nothing else", () => {
    expect(asChatLine({ text: "t", nick: "n" })).toEqual({ text: "t", nick: "n" });
    expect(asChatLine({ text: "t", nick: 3 })).toEqual({ text: "t" });
    expect(asChatLine({ text: 1 })).toBeUndefined();
    expect(asChatLine("t")).toBeUndefined();
    expect(asChatLine(null)).toBeUndefined();
  });
});

describe("HumanPrinter: a legacy line re-published by a secure node", () => {
  it("shows the signer, then the legacy peer it relays, then the text, without raw control characters", () => {
    const out = sink();
    new HumanPrinter(out, sink()).broadcast(broadcast({ relayedFrom: "py-5001\u001b[2J", legacy: true, msg: { text: "hello from python\u202e" } }, "signer1"));
    expect(out.text).toBe('<signer1> [relayed from "py-5001\\u001b[2J" [legacy]] hello from python\n');
  });
});
