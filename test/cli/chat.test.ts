import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ChatSession, type ChatNode } from "../../src/cli/chat.js";
import { DialError } from "../../src/kernel/errors.js";
import type { PeerInfo, PeerRecord } from "../../src/kernel/peer.js";
import { JsonPrinter } from "../../src/cli/output.js";

/** A chat over a fake node; `output` collects the printer's JSON events. */
function chat(
  options: { nick?: string; join?: (host: string, port: number) => Promise<PeerInfo>; peers?: PeerRecord[]; broadcastFails?: boolean } = {},
) {
  const sent: unknown[] = [];
  const output: Record<string, unknown>[] = [];
  let quits = 0;
  let ends = 0;
  const node: ChatNode = {
    config: options.nick === undefined ? {} : { nick: options.nick },
    peers: { connected: () => options.peers ?? [] },
    join: options.join ?? (() => Promise.reject(new Error("not expected"))),
    broadcast: (msg) => {
      if (options.broadcastFails) throw new Error("no broadcast plugin");
      sent.push(msg);
      return "id";
    },
  };
  const input = new PassThrough();
  const printer = new JsonPrinter({ write: (line: string) => output.push(JSON.parse(line) as Record<string, unknown>) });
  const session = new ChatSession(node, { input, printer, onQuit: () => quits++, onInputEnd: () => ends++ });
  return { session, input, sent, output, quits: () => quits, ends: () => ends };
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
});
