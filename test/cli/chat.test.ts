import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ChatSession, type ChatNode } from "../../src/cli/chat.js";
import { DialError, NodeStateError, UndeliveredError } from "../../src/base/errors.js";
import type { PeerInfo, PeerRecord } from "../../src/base/peer.js";
import type { Envelope } from "../../src/base/envelope.js";
import type { PluginTypes } from "../../src/node/peer-node.js";
import { JsonPrinter } from "../../src/cli/output.js";
import { KnownPeers } from "../../src/cli/known-peers.js";
import { base32Encode } from "../../src/secure/base32.js";

/**
 * A chat over a fake node; `output` collects the printer's JSON events. The node is an `--insecure` one
 * unless `security` says otherwise, so that a `/msg` to a chosen id it does not know is sent as it is.
 */
function chat(
  options: {
    nick?: string;
    security?: "tls" | "none";
    known?: (peers: { connected(): PeerRecord[] }) => KnownPeers;
    join?: (host: string, port: number) => Promise<PeerInfo>;
    send?: (peerId: string, msg: unknown) => Promise<string>;
    peers?: PeerRecord[];
    broadcastFails?: boolean;
    handled?: PluginTypes[];
  } = {},
) {
  const sent: unknown[] = [];
  const frames: { to: string; type: string; msg: unknown }[] = [];
  const limits = { maxJsonDepth: 64 };
  let onMessage: (envelope: Envelope, peerId: string | undefined) => void = () => {};
  const direct: { to: string; msg: unknown }[] = [];
  const output: Record<string, unknown>[] = [];
  let quits = 0;
  let ends = 0;
  const security = options.security ?? "none";
  const node: ChatNode = {
    config: options.nick === undefined ? { security, limits } : { nick: options.nick, security, limits },
    peers: { connected: () => options.peers ?? [] },
    join: options.join ?? (() => Promise.reject(new Error("not expected"))),
    broadcast: (msg) => {
      if (options.broadcastFails) throw new Error("no broadcast plugin");
      sent.push(msg);
      return "id";
    },
    send: (peerId, msg) => {
      direct.push({ to: peerId, msg });
      return options.send ? options.send(peerId, msg) : Promise.resolve("m1");
    },
    sendMessage: (peerId, type, msg) => {
      frames.push({ to: peerId, type, msg });
      return `f${frames.length}`;
    },
    handledTypes: () => options.handled ?? [],
    on: (_event, listener) => {
      onMessage = listener;
    },
  };
  const input = new PassThrough();
  const printer = new JsonPrinter({ write: (line: string) => output.push(JSON.parse(line) as Record<string, unknown>) });
  const known = options.known?.(node.peers);
  const session = new ChatSession(node, { input, printer, known, onQuit: () => quits++, onInputEnd: () => ends++ });
  return { session, input, sent, direct, frames, output, quits: () => quits, ends: () => ends, receive: (envelope: Envelope, peerId: string) => onMessage(envelope, peerId) };
}

/** Lets settled promises run their callbacks. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("ChatSession", () => {
  it("broadcasts a plain line as { text }, with the nick when one is set", async () => {
    const plain = chat();
    await plain.session.handle("hello world");
    expect(plain.sent).toEqual([{ text: "hello world" }]);

    const named = chat({ nick: "alice" });
    await named.session.handle("hi");
    expect(named.sent).toEqual([{ text: "hi", nick: "alice" }]);
  });

  it("ignores blank lines and sends a line starting with // with one slash removed", async () => {
    const c = chat();
    await c.session.handle("   ");
    await c.session.handle("//etc/hosts is a file");
    expect(c.sent).toEqual([{ text: "/etc/hosts is a file" }]);
  });

  it("joins the address of /join and prints the peer, or the error", async () => {
    const peer = { id: "p", host: "127.0.0.1", port: 7001 };
    const ok = chat({ join: (host, port) => Promise.resolve({ ...peer, host, port }) });
    await ok.session.handle("/join 127.0.0.1:7001");
    expect(ok.output).toEqual([{ event: "joined", peer }]);

    const failing = chat({ join: (host, port) => Promise.reject(new DialError(host, port, "ECONNREFUSED")) });
    await failing.session.handle("/join 127.0.0.1:1");
    expect(failing.output).toEqual([{ event: "error", message: expect.stringContaining("127.0.0.1:1"), code: "ERR_DIAL_FAILED" }]);

    await failing.session.handle("/join nowhere");
    expect(failing.output[1]).toMatchObject({ event: "error", message: expect.stringMatching(/^usage: \/join/) });
  });

  it("answers /peers, /help and an unknown command, and calls onQuit for /quit", async () => {
    const row: PeerRecord = { id: "p", host: "h", port: 1, connected: true, lastSeen: 2 };
    const c = chat({ peers: [row] });
    await c.session.handle("/peers");
    await c.session.handle("/help");
    await c.session.handle("/nope");
    await c.session.handle("/quit");
    expect(c.output).toEqual([
      { event: "peers", peers: [{ id: "p", host: "h", port: 1, lastSeen: 2 }] },
      { event: "notice", message: expect.stringContaining("/join") },
      { event: "error", message: expect.stringMatching(/^unknown command \/nope/) },
    ]);
    expect(c.quits()).toBe(1);
  });

  it("reads lines from its input, and does not quit at the end of input", async () => {
    const c = chat();
    c.input.write("one\r\ntwo\n");
    c.input.end();
    await new Promise((resolve) => c.input.on("end", resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.sent).toEqual([{ text: "one" }, { text: "two" }]);
    expect(c.quits()).toBe(0);
    expect(c.ends()).toBe(1);
  });

  it("does not report the end of input when it was closed on purpose", () => {
    const c = chat();
    c.session.close();
    c.session.close();
    expect(c.ends()).toBe(0);
  });

  it("reports a broadcast that throws as an error event", async () => {
    const c = chat({ broadcastFails: true });
    await c.session.handle("hi");
    expect(c.output).toEqual([{ event: "error", message: "no broadcast plugin" }]);
  });

  it("sends /msg PEER TEXT as { text, nick? } to that peer, keeping the text's inner spaces", async () => {
    const named = chat({ nick: "alice" });
    await named.session.handle("  /msg  bob-id   two  words,\tand a tab ");
    await settle();
    expect(named.direct).toEqual([{ to: "bob-id", msg: { text: "two  words,\tand a tab ", nick: "alice" } }]);
    expect(named.output).toEqual([{ event: "delivered", id: "m1", to: "bob-id" }]);

    const plain = chat();
    await plain.session.handle("/msg bob-id /not a command");
    expect(plain.direct).toEqual([{ to: "bob-id", msg: { text: "/not a command" } }]);
    expect(plain.sent).toEqual([]);
  });

  it("answers /msg without an id or a text with a usage error, and sends nothing", async () => {
    const c = chat();
    for (const line of ["/msg", "/msg   ", "/msg bob-id", "/msg bob-id    "]) await c.session.handle(line);
    expect(c.direct).toEqual([]);
    expect(c.output).toEqual(Array.from({ length: 4 }, () => ({ event: "error", message: expect.stringMatching(/^usage: \/msg PEER TEXT/) })));
  });

  it("does not wait for the acknowledgement: a line typed meanwhile is handled at once", async () => {
    const ack = deferred<string>();
    const c = chat({ send: () => ack.promise });
    await c.session.handle("/msg bob-id hello");
    await c.session.handle("/peers");
    await settle();
    expect(c.output).toEqual([{ event: "peers", peers: [] }]);

    ack.resolve("m7");
    await settle();
    expect(c.output[1]).toEqual({ event: "delivered", id: "m7", to: "bob-id" });
  });

  it("reports ERR_UNDELIVERED as undelivered with its reason, and any other failure as an error", async () => {
    const undelivered = new UndeliveredError("m2", "ghost", "no acknowledgement within 1500 ms");
    const lost = chat({ send: () => Promise.reject(undelivered) });
    await lost.session.handle("/msg ghost anyone there?");
    await settle();
    expect(lost.output).toEqual([{ event: "undelivered", id: "m2", to: "ghost", reason: "no acknowledgement within 1500 ms" }]);

    const stopped = chat({ send: () => Promise.reject(new NodeStateError("shut down")) });
    await stopped.session.handle("/msg bob-id hi");
    await settle();
    expect(stopped.output).toEqual([{ event: "error", message: "shut down", code: "ERR_NODE_STATE" }]);
  });

  it("lists /msg in /help", async () => {
    const c = chat();
    await c.session.handle("/help");
    expect(c.output).toEqual([{ event: "notice", message: expect.stringContaining("/msg PEER TEXT") }]);
  });

  describe("/msg on a secure node: ids, id prefixes and nicks", () => {
    const id = (first: number): string => `pk_${base32Encode(Buffer.alloc(32, first))}`;
    const ALICE = id(1);
    const BOB = id(2);
    const row = (peerId: string, extra: Partial<PeerRecord> = {}): PeerRecord => ({ id: peerId, host: "127.0.0.1", port: 7001, connected: true, lastSeen: 0, ...extra });

    it("sends to a connected peer's handshake nick, to a known id's prefix, and to a full id it does not know", async () => {
      const far = id(3);
      const c = chat({ security: "tls", peers: [row(ALICE, { nick: "alice" })], known: (peers) => {
        const known = new KnownPeers(peers);
        known.remember(BOB);
        return known;
      } });
      await c.session.handle("/msg alice by nick");
      await c.session.handle(`/msg ${BOB.slice(0, 11)} by prefix`);
      await c.session.handle(`/msg ${far} to a node many hops away`);
      await settle();
      expect(c.direct.map((d) => d.to)).toEqual([ALICE, BOB, far]);
      expect(c.output).toEqual([ALICE, BOB, far].map((to) => ({ event: "delivered", id: "m1", to })));
    });

    it("refuses an unknown nick and an ambiguous one at once, naming the candidates, and sends nothing", async () => {
      const c = chat({ security: "tls", peers: [row(ALICE, { nick: "twin" }), row(BOB, { nick: "twin" })] });
      await c.session.handle("/msg carol hello?");
      await c.session.handle("/msg twin which one?");
      expect(c.direct).toEqual([]);
      expect(c.output).toEqual([
        { event: "error", message: expect.stringContaining('"carol" is the nick of no connected peer'), code: "ERR_UNKNOWN_TARGET" },
        { event: "error", message: expect.stringContaining(`"twin" matches 2 peers: ${ALICE.slice(0, 11)} (twin), ${BOB.slice(0, 11)} (twin)`), code: "ERR_AMBIGUOUS_TARGET" },
      ]);
    });

    it("refuses a connected legacy peer, and says /join reached one", async () => {
      const peer = { id: "py-5001", host: "127.0.0.1", port: 5001 };
      const c = chat({ security: "tls", peers: [row("py-5001", { port: 5001, dialect: "legacy" })], join: () => Promise.resolve(peer) });
      await c.session.handle("/msg py-5001 hi");
      await c.session.handle("/join 127.0.0.1:5001");
      expect(c.direct).toEqual([]);
      expect(c.output).toEqual([
        { event: "error", message: expect.stringContaining("legacy peer"), code: "ERR_LEGACY_TARGET" },
        { event: "joined", peer: { ...peer, legacy: true } },
      ]);
    });
  });
});
