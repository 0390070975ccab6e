import { afterEach, describe, expect, it } from "vitest";
import { chatLine, CliFixture, connectedTo, type CliEvent, type CliNode } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

/** Waits until both ends of a link reported `peer:connect` for each other. */
async function linked(a: CliNode, b: CliNode): Promise<void> {
  await Promise.all([a.proc.waitFor(connectedTo(b.id), `${a.id} to connect to ${b.id}`), b.proc.waitFor(connectedTo(a.id), `${b.id} to connect to ${a.id}`)]);
}

function peerIds(event: CliEvent): string[] {
  return (event.peers as { id: string }[]).map((peer) => peer.id).sort();
}

describe("peerkit start: chatting over a network of CLI processes", { timeout: 120_000 }, () => {
  it("delivers a line typed into each of three chained nodes exactly once to each other node, never to the sender", async () => {
    const a = await cli.node();
    const b = await cli.node(["--bootstrap", a.address]);
    await linked(a, b);
    const c = await cli.node(["--bootstrap", b.address]);
    await linked(b, c);
    const nodes = [a, b, c];

    for (const [index, node] of nodes.entries()) node.proc.send(`first line from node ${index}`);
    await Promise.all(
      nodes.flatMap((receiver, r) =>
        nodes.map((_, s) => (s === r ? undefined : receiver.proc.waitFor(chatLine(`first line from node ${s}`), `node ${r} to receive node ${s}'s line`))),
      ),
    );

    // Markers sent afterwards, once arrived everywhere, bound the time any duplicate of a first line had to show up.
    for (const [index, node] of nodes.entries()) node.proc.send(`marker from node ${index}`);
    await Promise.all(
      nodes.flatMap((receiver, r) =>
        nodes.map((_, s) => (s === r ? undefined : receiver.proc.waitFor(chatLine(`marker from node ${s}`), `node ${r} to receive node ${s}'s marker`))),
      ),
    );

    for (const [r, receiver] of nodes.entries()) {
      for (const [s, sender] of nodes.entries()) {
        const received = receiver.proc.filter(chatLine(`first line from node ${s}`));
        expect(received, `node ${r} receiving node ${s}'s line`).toHaveLength(s === r ? 0 : 1);
        if (s !== r) expect(received[0]).toMatchObject({ id: expect.any(String), originator: sender.id, msg: { text: `first line from node ${s}` } });
      }
    }
  });

  it("answers /peers with the connected peers and /join connects to a fourth node", async () => {
    const a = await cli.node();
    const b = await cli.node(["--bootstrap", a.address]);
    await linked(a, b);

    a.proc.send("/peers");
    const peers = await a.proc.waitForNext((e) => e.event === "peers", "the answer to /peers");
    expect(peers.peers).toEqual([{ id: b.id, host: "127.0.0.1", port: b.port, lastSeen: expect.any(Number) }]);

    const d = await cli.node();
    a.proc.send(`/join ${d.address}`);
    const joined = await a.proc.waitFor((e) => e.event === "joined", "the answer to /join");
    expect(joined.peer).toEqual({ id: d.id, host: "127.0.0.1", port: d.port });
    await linked(a, d);

    a.proc.send("/peers");
    const after = await a.proc.waitForNext((e) => e.event === "peers", "the second answer to /peers");
    expect(peerIds(after)).toEqual([b.id, d.id].sort());

    b.proc.send("reaches the joined node");
    await d.proc.waitFor(chatLine("reaches the joined node"), "the fourth node to receive a line sent by b");
  });

  it("answers a /join that fails, a malformed /join and an unknown command with an error event, and keeps running", async () => {
    const a = await cli.node();

    a.proc.send("/join not-an-address");
    expect((await a.proc.waitForNext((e) => e.event === "error", "the malformed /join error")).message).toMatch(/usage: \/join HOST:PORT/);

    a.proc.send(`/join ${a.address}`);
    const self = await a.proc.waitForNext((e) => e.event === "error", "the error of joining itself");
    expect(self.code).toMatch(/^ERR_/);

    a.proc.send("/frobnicate");
    expect((await a.proc.waitForNext((e) => e.event === "error", "the unknown-command error")).message).toMatch(/unknown command \/frobnicate.*\/join/);

    a.proc.send("/peers");
    expect((await a.proc.waitForNext((e) => e.event === "peers", "the answer to /peers")).peers).toEqual([]);
  });

  it("sends --nick with every line, and other nodes see it in the broadcast and in /peers", async () => {
    const alice = await cli.node(["--nick", "alice"]);
    const bob = await cli.node(["--bootstrap", alice.address]);
    await linked(alice, bob);

    alice.proc.send("hello, I am alice");
    const event = await bob.proc.waitFor(chatLine("hello, I am alice"), "bob to receive alice's line");
    expect(event).toMatchObject({ originator: alice.id, msg: { text: "hello, I am alice", nick: "alice" } });

    bob.proc.send("no nick here");
    const plain = await alice.proc.waitFor(chatLine("no nick here"), "alice to receive bob's line");
    expect(plain.msg).toEqual({ text: "no nick here" });

    bob.proc.send("/peers");
    const peers = await bob.proc.waitForNext((e) => e.event === "peers", "bob's answer to /peers");
    expect(peers.peers).toEqual([expect.objectContaining({ id: alice.id, nick: "alice" })]);

    // The nick of the node that dials (carried by its PING) shows too, not only the answering node's (PONG).
    const carol = await cli.node(["--nick", "carol", "--bootstrap", alice.address]);
    await linked(alice, carol);
    alice.proc.send("/peers");
    const alicePeers = await alice.proc.waitForNext((e) => e.event === "peers", "alice's answer to /peers");
    expect(alicePeers.peers).toContainEqual(expect.objectContaining({ id: carol.id, nick: "carol" }));
    expect(alicePeers.peers).toContainEqual(expect.not.objectContaining({ nick: expect.anything() }));
  });

  it("prints events for a person without --json: chat lines as <nick (id)> text", async () => {
    const bob = await cli.node(["--nick", "bob"]);
    const human = await cli.spawn(["start", "--port", "0", "--host", "127.0.0.1", "--bootstrap", bob.address], { defaults: false });
    const listening = await human.waitForOutput(/^\[listening\] id=(\S+) 127\.0\.0\.1:(\d+)$/m);
    // bob's key-derived id, shown as pk_ and 8 characters: no other peer's id starts with them.
    const shortBob = bob.id.slice(0, 11);
    await human.waitForOutput(new RegExp(`^\\[connect\\] ${shortBob} 127\\.0\\.0\\.1:${bob.port} nick=bob$`, "m"));
    await bob.proc.waitFor(connectedTo(listening[1]!), "bob to see the human-mode node");

    bob.proc.send("hi there");
    await human.waitForOutput(new RegExp(`^<bob \\(${shortBob}\\)> hi there$`, "m"));
    human.send("hello bob");
    expect((await bob.proc.waitFor(chatLine("hello bob"), "bob to receive the line")).originator).toBe(listening[1]);

    expect((await human.stop()).code).toBe(0);
  });
});
