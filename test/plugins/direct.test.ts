import { afterEach, describe, expect, it } from "vitest";
import type { DirectEvent } from "../../src/kernel/node-events.js";
import { DirectPlugin } from "../../src/plugins/direct.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

async function create(...peerIds: string[]) {
  harness = await PluginHarness.create({ plugins: [DirectPlugin], config: { limits: { requestTimeoutMs: 2000, maxHops: 8 } } });
  const delivered: DirectEvent[] = [];
  harness.node.on("direct", (event) => delivered.push(event));
  const peers = [];
  for (const id of peerIds) peers.push(await harness.connectPeer(id));
  return { delivered, peers };
}

describe("direct plugin", () => {
  it("sends straight to a destination that is a direct peer, and resolves on its DIRECT_ACK", async () => {
    const { peers } = await create("bob", "carol");
    const [bob, carol] = peers;
    const sending = harness.node.send("bob", { text: "hi bob" });
    await harness.settle();
    const [direct] = bob!.receivedOf("DIRECT");
    expect(direct).toMatchObject({ to: "bob", ttl: 8, originator: "node-under-test", msg: { text: "hi bob" } });
    expect(carol!.receivedOf("DIRECT")).toHaveLength(0);
    bob!.deliver("DIRECT_ACK", { id: direct!.id }, { id: "ack-1", to: "node-under-test", ttl: 8 });
    await expect(sending).resolves.toBe(direct!.id);
  });

  it("delivers a DIRECT addressed to it once and acknowledges it to the originator", async () => {
    const { delivered, peers } = await create("bob");
    const [bob] = peers;
    bob!.deliver("DIRECT", { text: "psst" }, { id: "m1", to: "node-under-test", ttl: 5 });
    bob!.deliver("DIRECT", { text: "psst" }, { id: "m1", to: "node-under-test", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => [e.id, e.originator, e.msg])).toEqual([["m1", "bob", { text: "psst" }]]);
    expect(bob!.receivedOf("DIRECT_ACK")).toMatchObject([{ to: "bob", msg: { id: "m1" } }]);
  });

  it("floods a DIRECT for an unknown destination to the other peers with ttl - 1, without delivering it", async () => {
    const { delivered, peers } = await create("a", "b", "c");
    const [a, b, c] = peers;
    a!.deliver("DIRECT", "for zed", { id: "m1", to: "zed", ttl: 5 });
    await harness.settle();
    expect(delivered).toEqual([]);
    expect(a!.receivedOf("DIRECT")).toHaveLength(0);
    for (const peer of [b!, c!]) expect(peer.receivedOf("DIRECT")).toMatchObject([{ id: "m1", to: "zed", ttl: 4 }]);
  });

  it("forwards straight to the destination when it is a direct peer", async () => {
    const { peers } = await create("a", "b", "c");
    const [a, b, c] = peers;
    a!.deliver("DIRECT", "for c", { id: "m1", to: "c", ttl: 5 });
    await harness.settle();
    expect(c!.receivedOf("DIRECT")).toHaveLength(1);
    expect(b!.receivedOf("DIRECT")).toHaveLength(0);
  });

  it("routes to a node along the link its messages first came from, instead of flooding", async () => {
    const { peers } = await create("a", "b", "c");
    const [a, b, c] = peers;
    // zed is not a peer, but its messages arrive through b.
    b!.deliver("DIRECT", "hello from zed", { id: "z1", originator: "zed", to: "node-under-test", ttl: 5 });
    await harness.settle();
    expect(b!.receivedOf("DIRECT_ACK")).toMatchObject([{ to: "zed" }]);
    void harness.node.send("zed", "hello back").catch(() => {});
    await harness.settle();
    expect(b!.receivedOf("DIRECT")).toMatchObject([{ to: "zed", msg: "hello back" }]);
    expect(a!.receivedOf("DIRECT")).toHaveLength(0);
    expect(c!.receivedOf("DIRECT")).toHaveLength(0);
  });

  it("floods again when the learnt route's connection closed", async () => {
    const { peers } = await create("a", "b");
    const [a, b] = peers;
    b!.deliver("DIRECT", "from zed", { id: "z1", originator: "zed", to: "node-under-test", ttl: 5 });
    await harness.settle();
    b!.close();
    await harness.settle();
    void harness.node.send("zed", "anyone?").catch(() => {});
    await harness.settle();
    expect(a!.receivedOf("DIRECT")).toMatchObject([{ to: "zed" }]);
  });

  it("rejects with ERR_UNDELIVERED when no acknowledgement comes in time, and forgets the message", async () => {
    await create("bob");
    const sending = harness.node.send("nobody", "hello?");
    const outcome = expect(sending).rejects.toMatchObject({ code: "ERR_UNDELIVERED", to: "nobody" });
    await harness.settle();
    harness.fakeClock.advance(2000);
    await outcome;
    expect(harness.fakeClock.pending).toBe(0);
  });

  it("rejects at once when the node has no peer, and when sending to itself", async () => {
    await create();
    await expect(harness.node.send("bob", "x")).rejects.toMatchObject({ code: "ERR_UNDELIVERED", message: expect.stringContaining("no connected peer") });
    await expect(harness.node.send("node-under-test", "x")).rejects.toMatchObject({ code: "ERR_UNDELIVERED" });
  });

  it("drops a DIRECT whose ttl is used up instead of forwarding it", async () => {
    const { peers } = await create("a", "b");
    peers[0]!.deliver("DIRECT", "x", { id: "m1", to: "zed", ttl: 1 });
    await harness.settle();
    expect(peers[1]!.receivedOf("DIRECT")).toHaveLength(0);
  });

  it("rejects a DIRECT without a destination, and one from a connection without handshake", async () => {
    const { peers } = await create("a");
    peers[0]!.deliver("DIRECT", "x", { id: "m1", ttl: 3 });
    const stranger = await harness.connectPeer("stranger", { handshake: false });
    stranger.deliver("DIRECT", "x", { id: "m2", to: "node-under-test", ttl: 3 });
    await harness.settle();
    expect(harness.logger.find('DIRECT without a "to" field')).toBeDefined();
    expect(harness.logger.find("DIRECT before the handshake")).toBeDefined();
  });

  it("drops a DIRECT or DIRECT_ACK dated outside limits.maxClockSkewMs: not delivered, not acknowledged, not forwarded", async () => {
    const { delivered, peers } = await create("bob", "carol");
    const [bob, carol] = peers;
    const stale = harness.fakeClock.now() - harness.node.config.limits.maxClockSkewMs - 1;
    const sending = harness.node.send("carol", "hi");
    await harness.settle();
    const [direct] = carol!.receivedOf("DIRECT");
    bob!.deliver("DIRECT", "old", { id: "m1", to: "node-under-test", ttl: 5, time: stale });
    bob!.deliver("DIRECT", "old, passing", { id: "m2", to: "zed", ttl: 5, time: stale });
    carol!.deliver("DIRECT_ACK", { id: direct!.id }, { id: "ack-1", to: "node-under-test", ttl: 8, time: stale });
    await harness.settle();
    expect(delivered).toEqual([]);
    expect(bob!.receivedOf("DIRECT_ACK")).toHaveLength(0);
    expect(carol!.receivedOf("DIRECT").map((e) => e.id)).toEqual([direct!.id]);
    expect(harness.node.plugin<DirectPlugin>("direct")!.dropped.stale).toBe(3);
    carol!.deliver("DIRECT_ACK", { id: direct!.id }, { id: "ack-2", to: "node-under-test", ttl: 8 });
    await expect(sending).resolves.toBe(direct!.id);
  });
});
