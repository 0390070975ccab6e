// Issue 11, items 6 and 8, between CLI processes: /msg by nick and by id prefix on secure nodes, the
// errors that name the candidates, and legacy peers marked wherever they surface.
import { afterEach, describe, expect, it } from "vitest";
import { chatLine, CliFixture, connectedTo, directLine, type CliEvent, type CliNode } from "./cli-process.js";
import { LegacyPeer } from "../legacy/legacy-peer.js";
import { legacyMessage, sendOneShot } from "../legacy/raw-legacy.js";
import { isPeerId } from "../../src/secure/peer-id.js";

const cli = new CliFixture();
let python: LegacyPeer | undefined;
afterEach(async () => {
  await python?.stop();
  python = undefined;
  await cli.cleanup();
}, 30_000);

async function linked(a: CliNode, b: CliNode): Promise<void> {
  await Promise.all([a.proc.waitFor(connectedTo(b.id), `${a.id} to connect to ${b.id}`), b.proc.waitFor(connectedTo(a.id), `${b.id} to connect to ${a.id}`)]);
}

function isEvent(name: string): (event: CliEvent) => boolean {
  return (event) => event.event === name;
}

/** `id` with its 16th character changed: a well-formed id that shares its first 15 characters. */
function lookAlike(id: string): string {
  const other = id[15] === "a" ? "b" : "a";
  return `${id.slice(0, 15)}${other}${id.slice(16)}`;
}

describe("peerkit start: /msg PEER TEXT by nick and by id prefix", { timeout: 120_000 }, () => {
  it("delivers by a connected peer's nick and by a unique id prefix, and refuses an unknown nick without sending", async () => {
    const alice = await cli.node(["--nick", "alice"]);
    const bob = await cli.node(["--nick", "bob", "--bootstrap", alice.address]);
    await linked(alice, bob);
    const carol = await cli.node(["--bootstrap", alice.address]);
    await linked(alice, carol);
    expect([alice.id, bob.id, carol.id].every((id) => isPeerId(id))).toBe(true);

    alice.proc.send("/msg bob hello by nick");
    const byNick = await bob.proc.waitFor(directLine("hello by nick"), "bob to receive the message sent to his nick");
    expect(byNick).toMatchObject({ originator: alice.id });
    expect(await alice.proc.waitFor(isEvent("delivered"), "alice's delivered event")).toEqual({ event: "delivered", id: byNick.id, to: bob.id });

    // carol has no nick: alice names her by the 11 characters the chat shows for her id.
    alice.proc.send(`/msg ${carol.id.slice(0, 11)} hello by prefix`);
    const byPrefix = await carol.proc.waitFor(directLine("hello by prefix"), "carol to receive the message sent to her id prefix");
    expect(byPrefix).toMatchObject({ originator: alice.id });
    expect(await alice.proc.waitFor((e) => e.event === "delivered" && e.id === byPrefix.id, "the second delivered event")).toMatchObject({ to: carol.id });

    const from = alice.proc.events.length;
    alice.proc.send("/msg dave are you there?");
    const unknown = await alice.proc.waitForNext(isEvent("error"), "the error for an unknown nick");
    expect(unknown).toEqual({ event: "error", message: expect.stringContaining('"dave" is the nick of no connected peer'), code: "ERR_UNKNOWN_TARGET" });
    alice.proc.send(`/msg ${carol.id.slice(0, 7)} too short`);
    expect(await alice.proc.waitForNext(isEvent("error"), "the error for a short prefix")).toMatchObject({ code: "ERR_UNKNOWN_TARGET" });

    // Nothing was sent: a marker broadcast after the errors reaches both, with no direct event before it.
    alice.proc.send("marker after the errors");
    await Promise.all([bob, carol].map((node) => node.proc.waitFor(chatLine("marker after the errors"), "the marker")));
    expect(bob.proc.filter(isEvent("direct"))).toHaveLength(1);
    expect(carol.proc.filter(isEvent("direct"))).toHaveLength(1);
    expect(alice.proc.events.slice(from).filter((e) => e.event === "delivered" || e.event === "undelivered")).toEqual([]);
  });

  it("refuses a nick two peers gave, naming both by abbreviated id and nick; a prefix then picks one", async () => {
    const hub = await cli.node([]);
    const one = await cli.node(["--nick", "twin", "--bootstrap", hub.address]);
    const two = await cli.node(["--nick", "twin", "--bootstrap", hub.address]);
    await Promise.all([linked(hub, one), linked(hub, two)]);

    hub.proc.send("/msg twin which of you?");
    const error = await hub.proc.waitForNext(isEvent("error"), "the ambiguity error");
    expect(error).toMatchObject({ code: "ERR_AMBIGUOUS_TARGET" });
    expect(error.message).toContain('"twin" matches 2 peers:');
    expect(error.message).toContain(`${one.id.slice(0, 11)} (twin)`);
    expect(error.message).toContain(`${two.id.slice(0, 11)} (twin)`);

    hub.proc.send(`/msg ${two.id.slice(0, 11)} you, the second twin`);
    await two.proc.waitFor(directLine("you, the second twin"), "the second twin to receive it");
    expect(one.proc.filter(isEvent("direct"))).toEqual([]);
  });
});

describe("peerkit start --legacy: legacy peers marked, and look-alike ids", { timeout: 120_000 }, () => {
  it('marks the legacy peer with "legacy": true, and refuses a legacy line in the name of a key-derived look-alike id', async () => {
    python = await new LegacyPeer("py-5001").start();
    const node = await cli.node(["--legacy", "--bootstrap", `legacy://127.0.0.1:${python.port}`]);
    const bob = await cli.node(["--nick", "bob", "--bootstrap", node.address]);
    await linked(node, bob);

    const pyConnect = await node.proc.waitFor(connectedTo("py-5001"), "the join of the Python peer");
    expect(pyConnect.peer).toEqual({ id: "py-5001", host: "127.0.0.1", port: python.port, legacy: true });
    expect(node.proc.filter(connectedTo(bob.id))[0]!.peer).not.toHaveProperty("legacy");

    python.broadcast("hello from python");
    const line = await node.proc.waitFor(chatLine("hello from python"), "the Python peer's line");
    expect(line).toMatchObject({ originator: "py-5001", legacy: true });
    node.proc.send("/peers");
    const peers = await node.proc.waitForNext(isEvent("peers"), "the answer to /peers");
    expect(peers.peers).toContainEqual(expect.objectContaining({ id: "py-5001", legacy: true }));
    expect(peers.peers).toContainEqual(expect.not.objectContaining({ legacy: expect.anything() }));

    node.proc.send("/msg py-5001 hi");
    expect(await node.proc.waitForNext(isEvent("error"), "the refusal of a legacy target")).toMatchObject({ code: "ERR_LEGACY_TARGET" });

    // The legacy wire vouches for no originator: a Python peer relays a line "from" an id that shares
    // bob's first 15 characters. A key-derived id speaks only under its own signature, so the line is
    // refused and never shown, and bob's prefix still names bob alone.
    const forged = lookAlike(bob.id);
    expect(isPeerId(forged)).toBe(true);
    await sendOneShot(node.port, legacyMessage("BROADCAST", "a look-alike speaks", forged));
    python.broadcast("after the look-alike");
    await node.proc.waitFor(chatLine("after the look-alike"), "the Python peer's next line");
    expect(node.proc.filter(chatLine("a look-alike speaks"))).toEqual([]);
    node.proc.send(`/msg ${bob.id.slice(0, 11)} for bob`);
    await bob.proc.waitFor(directLine("for bob"), "bob to receive the message sent to his prefix");
    // The full id is always sent as it is.
    node.proc.send(`/msg ${bob.id} for bob, in full`);
    await bob.proc.waitFor(directLine("for bob, in full"), "bob to receive the message sent to his full id");
    expect(bob.proc.filter(isEvent("direct"))).toHaveLength(2);
  });

  it("shows a person [legacy] next to a legacy peer's name", async () => {
    python = await new LegacyPeer("py-5002").start();
    const human = await cli.spawn(["start", "--port", "0", "--host", "127.0.0.1", "--legacy", "--bootstrap", `legacy://127.0.0.1:${python.port}`], { defaults: false });
    await human.waitForOutput(new RegExp(`^\\[connect\\] py-5002 \\[legacy\\] 127\\.0\\.0\\.1:${python.port}$`, "m"));
    python.broadcast("hello, person");
    await human.waitForOutput(/^<py-5002 \[legacy\]> hello, person$/m);
    expect((await human.stop()).code).toBe(0);
  });
});
