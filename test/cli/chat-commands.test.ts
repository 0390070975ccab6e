import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { CHAT_COMMANDS, CHAT_HELP, ChatSession, type ChatNode } from "../../src/cli/chat.js";
import type { Envelope } from "../../src/base/envelope.js";
import type { PeerRecord } from "../../src/base/peer.js";
import { JsonPrinter } from "../../src/cli/output.js";
import { MAX_REPLIES_SHOWN, REPLY_WINDOW_MS, ReplyWatch } from "../../src/cli/send-replies.js";
import { isReservedType } from "../../src/cli/send-command.js";
import type { PluginTypes } from "../../src/node/peer-node.js";

const ALICE = "alice-node";

/** A chat over a fake `--insecure` node with one connected peer, `alice-node` (nick alice). */
function chat(handled: PluginTypes[] = []) {
  const output: Record<string, unknown>[] = [];
  const frames: { to: string; type: string; msg: unknown }[] = [];
  const peers: PeerRecord[] = [{ id: ALICE, host: "127.0.0.1", port: 1, connected: true, lastSeen: 0, nick: "alice" }];
  let listener: (envelope: Envelope, peerId: string | undefined) => void = () => {};
  let quits = 0;
  const node: ChatNode = {
    config: { security: "none", limits: { maxJsonDepth: 8 } },
    peers: { connected: () => peers },
    join: () => Promise.reject(new Error("no network here")),
    broadcast: () => "b1",
    send: () => Promise.resolve("d1"),
    sendMessage: (to, type, msg) => {
      frames.push({ to, type, msg });
      return `f${frames.length}`;
    },
    handledTypes: () => handled,
    on: (_event, fn) => {
      listener = fn;
    },
  };
  const printer = new JsonPrinter({ write: (line: string) => output.push(JSON.parse(line) as Record<string, unknown>) });
  const session = new ChatSession(node, { input: new PassThrough(), printer, onQuit: () => quits++ });
  const receive = (type: string, msg: unknown, peerId = ALICE): void => listener({ msg_type: type, msg, originator: peerId, time: 0 }, peerId);
  return { session, output, frames, receive, quits: () => quits };
}

describe("the chat's commands", () => {
  it("/help lists every command with one example, and each example is a command the chat runs", async () => {
    const c = chat();
    await c.session.handle("/help");
    const help = c.output[0]!.message as string;
    expect(help).toBe(CHAT_HELP);
    for (const command of CHAT_COMMANDS) {
      expect(help).toContain(`e.g. ${command.example}`);
      expect(command.example.split(" ")[0]).toBe(command.name);
    }
    const names = CHAT_COMMANDS.map((command) => command.name);
    expect(names).toEqual(["/join", "/msg", "/send", "/peers", "/plugins", "/quit", "/help"]);

    for (const command of CHAT_COMMANDS) await c.session.handle(command.example);
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.output.filter((event) => /unknown command/.test(String(event.message)))).toEqual([]);
    expect(c.quits()).toBe(1);
    expect(c.frames).toEqual([{ to: ALICE, type: "ECHO", msg: { text: "hi" } }]);

    await c.session.handle("/nope");
    expect(c.output.at(-1)).toEqual({ event: "error", message: `unknown command /nope; commands: ${names.join(", ")} (/help shows an example of each); any other line is sent to everyone` });
  });

  it("/plugins prints the node's listing", async () => {
    const handled = [
      { plugin: "ping", types: ["PING", "PONG"] },
      { plugin: "echo", types: ["ECHO"] },
    ];
    const c = chat(handled);
    await c.session.handle("/plugins");
    expect(c.output).toEqual([{ event: "plugins", plugins: [{ name: "ping", types: ["PING", "PONG"] }, { name: "echo", types: ["ECHO"] }] }]);
  });

  it("/send shows the frames that come back from that peer, except the built-in plugins' types, and nothing from others", async () => {
    const c = chat();
    c.receive("ECHO_REPLY", "before any /send");
    await c.session.handle('/send alice ECHO {"text":"hi"}');
    c.receive("PONG", { id: ALICE, host: "h", port: 1 });
    c.receive("ECHO_REPLY", "from someone else", "mallory");
    c.receive("ECHO_REPLY", "the reply");
    expect(c.output).toEqual([
      { event: "sent", id: "f1", to: ALICE, type: "ECHO" },
      { event: "message", from: ALICE, type: "ECHO_REPLY", originator: ALICE, msg: "the reply" },
    ]);
  });

  it("/send refuses, with a code and nothing sent: the types of the built-in plugins (run-time ones too), a payload deeper than the peer takes", async () => {
    const c = chat([{ plugin: "broadcast", types: ["BROADCAST", "PRUNE"] }]);
    for (const type of ["PING", "PONG", "ADVERTISE_REPLY", "DIRECT_ACK", "TEST", "PRUNE", "IHAVE", "GRAFT"]) await c.session.handle(`/send alice ${type} {}`);
    await c.session.handle(`/send alice ECHO ${"[".repeat(8)}${"]".repeat(8)}`);
    await c.session.handle(`/send alice ECHO ${"[".repeat(7)}${"]".repeat(7)}`);
    expect(c.output.slice(0, 8).map((event) => event.code)).toEqual(Array(8).fill("ERR_RESERVED_TYPE"));
    expect(c.output[8]).toMatchObject({ event: "error", code: "ERR_SEND_JSON", message: expect.stringContaining("limits.maxJsonDepth (7)") });
    expect(c.frames).toHaveLength(1);
    expect(isReservedType("ping", [])).toBe(false);
  });
});

describe("ReplyWatch", () => {
  it("counts frames from the peer as replies for REPLY_WINDOW_MS after each /send, at most MAX_REPLIES_SHOWN", () => {
    let now = 1000;
    const watch = new ReplyWatch((type) => type === "PING", () => now);
    const frame = (type = "R"): Envelope => ({ msg_type: type, msg: null, originator: "p", time: 0 });
    expect(watch.isReply(frame(), "p")).toBe(false);
    watch.expect("p");
    expect(watch.isReply(frame(), undefined)).toBe(false);
    expect(watch.isReply(frame("PING"), "p")).toBe(false);
    now += REPLY_WINDOW_MS;
    expect(watch.isReply(frame(), "p")).toBe(true);
    now += 1;
    expect(watch.isReply(frame(), "p")).toBe(false);

    watch.expect("p");
    let shown = 0;
    for (let i = 0; i < MAX_REPLIES_SHOWN + 10; i++) if (watch.isReply(frame(), "p")) shown++;
    expect(shown).toBe(MAX_REPLIES_SHOWN);
    watch.expect("p");
    expect(watch.isReply(frame(), "p")).toBe(true);
  });
});
