import { afterEach, describe, expect, it } from "vitest";
import { chatLine, CliFixture, connectedTo, directLine, type CliEvent, type CliNode } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

/** A short acknowledgement timeout, so that an undelivered message is reported quickly. */
const REQUEST_TIMEOUT_MS = 1500;

/** A well-formed peer id no node here has (RFC 8032's first test key): a full id is sent as it is, known or not. */
const FAR_ID = "pk_25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena";

/** Waits until both ends of a link reported `peer:connect` for each other. */
async function linked(a: CliNode, b: CliNode): Promise<void> {
  await Promise.all([a.proc.waitFor(connectedTo(b.id), `${a.id} to connect to ${b.id}`), b.proc.waitFor(connectedTo(a.id), `${b.id} to connect to ${a.id}`)]);
}

function isEvent(name: string): (event: CliEvent) => boolean {
  return (event) => event.event === name;
}

describe("peerkit start: /msg, one-to-one messages between CLI processes", { timeout: 120_000 }, () => {
  it("delivers /msg only at its destination, which prints a direct event with the id the sender prints as delivered", async () => {
    const alice = await cli.node(["--nick", "alice"]);
    const bob = await cli.node(["--bootstrap", alice.address]);
    await linked(alice, bob);
    const carol = await cli.node(["--bootstrap", bob.address]);
    await linked(bob, carol);

    alice.proc.send(`/msg ${carol.id} just  for   you, carol`);
    const delivered = await alice.proc.waitFor(isEvent("delivered"), "alice's delivered event");
    const received = await carol.proc.waitFor(isEvent("direct"), "carol's direct event");
    expect(delivered).toEqual({ event: "delivered", id: expect.any(String), to: carol.id });
    expect(received).toEqual({ event: "direct", id: delivered.id, originator: alice.id, msg: { text: "just  for   you, carol", nick: "alice" } });

    // The marker follows the message on every link it could have taken; once bob printed it, bob is caught up.
    alice.proc.send("marker after the direct message");
    await Promise.all([bob, carol].map((node) => node.proc.waitFor(chatLine("marker after the direct message"), "the marker")));
    expect(bob.proc.filter((e) => e.event === "direct" || e.event === "delivered" || e.event === "undelivered")).toEqual([]);
    expect(carol.proc.filter(isEvent("direct"))).toHaveLength(1);
    expect(alice.proc.filter(isEvent("direct"))).toEqual([]);

    // And the other way, from a node without a nick.
    carol.proc.send(`/msg ${alice.id} hello back`);
    const back = await alice.proc.waitFor(directLine("hello back"), "alice to receive carol's reply");
    expect(back).toMatchObject({ originator: carol.id, msg: { text: "hello back" } });
    expect(back.msg).not.toHaveProperty("nick");
    expect((await carol.proc.waitFor(isEvent("delivered"), "carol's delivered event")).id).toBe(back.id);
  });

  it("reports /msg to an unknown id as undelivered within the configured timeout, keeps the prompt responsive meanwhile, and goes on working", async () => {
    const config = { limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS } };
    const a = await cli.node([], { config });

    a.proc.send(`/msg ${FAR_ID} hello`);
    const alone = await a.proc.waitFor(isEvent("undelivered"), "the undelivered event of a node without peers");
    expect(alone).toEqual({ event: "undelivered", id: expect.any(String), to: FAR_ID, reason: expect.stringMatching(/no connected peer/) });

    a.proc.send("/msg");
    expect((await a.proc.waitForNext(isEvent("error"), "the usage error of /msg")).message).toMatch(/^usage: \/msg PEER TEXT/);

    const b = await cli.node(["--bootstrap", a.address], { config });
    await linked(a, b);

    const from = a.proc.events.length;
    a.proc.send(`/msg ${FAR_ID} is anyone there?`);
    a.proc.send("/peers");
    const undelivered = await a.proc.waitFor(isEvent("undelivered"), "the undelivered event", { from, timeoutMs: REQUEST_TIMEOUT_MS + 10_000 });
    expect(undelivered).toEqual({
      event: "undelivered",
      id: expect.any(String),
      to: FAR_ID,
      reason: expect.stringContaining(`no acknowledgement within ${REQUEST_TIMEOUT_MS} ms`),
    });
    // /peers was typed after /msg but answered before the timeout ran out.
    const answers = a.proc.events.slice(from).map((e) => e.event);
    expect(answers.indexOf("peers")).toBeGreaterThanOrEqual(0);
    expect(answers.indexOf("peers")).toBeLessThan(answers.indexOf("undelivered"));
    expect(b.proc.filter(isEvent("direct"))).toEqual([]);

    a.proc.send("still chatting after the timeout");
    await b.proc.waitFor(chatLine("still chatting after the timeout"), "b to receive a's later line");
    b.proc.send(`/msg ${a.id} and direct messages still work`);
    await a.proc.waitFor(directLine("and direct messages still work"), "a to receive b's direct message");
    expect(a.proc.exitStatus).toBeUndefined();
    expect((await a.proc.stop()).code).toBe(0);
  });

  it("prints direct messages and their outcomes for a person without --json, ids abbreviated", async () => {
    const bob = await cli.node(["--nick", "bob"]);
    const shortBob = bob.id.slice(0, 11);
    const human = await cli.spawn(["start", "--port", "0", "--host", "127.0.0.1", "--bootstrap", bob.address], { defaults: false });
    const humanId = (await human.waitForOutput(/^\[listening\] id=(\S+) /m))[1]!;
    await human.waitForOutput(new RegExp(`^\\[connect\\] ${shortBob} 127\\.0\\.0\\.1:${bob.port} nick=bob$`, "m"));
    await bob.proc.waitFor(connectedTo(humanId), "bob to see the human-mode node");

    bob.proc.send(`/msg ${humanId} a secret`);
    await human.waitForOutput(new RegExp(`^<bob \\(${shortBob}\\)> \\[private\\] a secret$`, "m"));

    human.send("/msg bob secret reply");
    const received = await bob.proc.waitFor(directLine("secret reply"), "bob to receive the reply");
    await human.waitForOutput(new RegExp(`^\\[delivered\\] ${received.id as string} to bob \\(${shortBob}\\)$`, "m"));

    expect((await human.stop()).code).toBe(0);
  });
});
