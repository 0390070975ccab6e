import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

async function withPeers(...ids: string[]) {
  harness = await PluginHarness.create({ plugins: [BroadcastPlugin], config: { limits: { maxHops: 8 } } });
  const delivered: BroadcastEvent[] = [];
  harness.node.on("broadcast", (event) => delivered.push(event));
  const peers = [];
  for (const id of ids) peers.push(await harness.connectPeer(id));
  return { delivered, peers };
}

describe("broadcast plugin", () => {
  it("delivers a broadcast to the application and forwards it to every other peer with ttl - 1", async () => {
    const { delivered, peers } = await withPeers("a", "b", "c");
    const [a, b, c] = peers;
    a!.deliver("BROADCAST", { text: "hi" }, { id: "m1", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => [e.id, e.originator, e.msg])).toEqual([["m1", "a", { text: "hi" }]]);
    expect(a!.receivedOf("BROADCAST")).toHaveLength(0);
    for (const peer of [b!, c!]) {
      expect(peer.receivedOf("BROADCAST")).toMatchObject([{ id: "m1", ttl: 4, originator: "a", msg: { text: "hi" } }]);
    }
  });

  it("delivers and forwards a given id only once, whichever peer it comes from", async () => {
    const { delivered, peers } = await withPeers("a", "b", "c");
    const [a, b, c] = peers;
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(c!.receivedOf("BROADCAST")).toHaveLength(1);
  });

  it("does not forward to the originator's connection when it arrives through another peer", async () => {
    const { peers } = await withPeers("a", "b", "c");
    const [a, b, c] = peers;
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    await harness.settle();
    expect(a!.receivedOf("BROADCAST")).toHaveLength(0);
    expect(c!.receivedOf("BROADCAST")).toHaveLength(1);
  });

  it("delivers but does not forward a broadcast whose ttl is used up", async () => {
    const { delivered, peers } = await withPeers("a", "b");
    peers[0]!.deliver("BROADCAST", "x", { id: "m1", ttl: 1 });
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(peers[1]!.receivedOf("BROADCAST")).toHaveLength(0);
  });

  it("caps a ttl above limits.maxHops", async () => {
    const { peers } = await withPeers("a", "b");
    peers[0]!.deliver("BROADCAST", "x", { id: "m1", ttl: 200 });
    await harness.settle();
    expect(peers[1]!.receivedOf("BROADCAST")[0]?.ttl).toBe(7);
  });

  it("node.broadcast() sends one envelope with a fresh id and the configured ttl to every peer", async () => {
    const { delivered, peers } = await withPeers("a", "b");
    const id = harness.node.broadcast({ text: "hello" });
    await harness.settle();
    for (const peer of peers) {
      expect(peer.receivedOf("BROADCAST")).toMatchObject([{ id, ttl: 8, originator: "node-under-test", msg: { text: "hello" } }]);
    }
    expect(delivered).toHaveLength(0);
  });

  it("ignores its own broadcast when a peer sends it back", async () => {
    const { delivered, peers } = await withPeers("a", "b");
    const id = harness.node.broadcast("mine");
    peers[0]!.deliver("BROADCAST", "mine", { id, ttl: 7, originator: "node-under-test" });
    await harness.settle();
    expect(delivered).toHaveLength(0);
    expect(peers[1]!.receivedOf("BROADCAST")).toHaveLength(1);
  });

  it("rejects a BROADCAST without an id, and one from a connection without handshake", async () => {
    const { delivered, peers } = await withPeers("a");
    peers[0]!.deliverRaw(JSON.stringify({ msg_type: "BROADCAST", msg: "x", originator: "a", time: 1 }));
    const stranger = await harness.connectPeer("stranger", { handshake: false });
    stranger.deliver("BROADCAST", "x", { id: "m2", ttl: 3 });
    await harness.settle();
    expect(delivered).toHaveLength(0);
    expect(harness.logger.find("field id is required on BROADCAST")).toBeDefined();
    expect(harness.logger.find("BROADCAST before the handshake")).toBeDefined();
  });

  it("drops, counts and does not forward a BROADCAST dated outside limits.maxClockSkewMs, either way", async () => {
    const { delivered, peers } = await withPeers("a", "b");
    const now = harness.fakeClock.now();
    const skew = harness.node.config.limits.maxClockSkewMs;
    peers[0]!.deliver("BROADCAST", "old", { id: "m1", ttl: 5, time: now - skew - 1 });
    peers[0]!.deliver("BROADCAST", "future", { id: "m2", ttl: 5, time: now + skew + 1 });
    peers[0]!.deliver("BROADCAST", "oldest accepted", { id: "m3", ttl: 5, time: now - skew });
    peers[0]!.deliver("BROADCAST", "latest accepted", { id: "m4", ttl: 5, time: now + skew });
    await harness.settle();
    expect(delivered.map((e) => e.msg)).toEqual(["oldest accepted", "latest accepted"]);
    expect(peers[1]!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m3", "m4"]);
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.dropped).toEqual({ stale: 2, refused: 0, forged: 0, replayed: 0 });
    expect(harness.logger.find("rejected")).toBeUndefined();
  });

  it("does not deliver a replay once its id has expired from the seen-cache: it is stale by then", async () => {
    const { delivered, peers } = await withPeers("a");
    const sentAt = harness.fakeClock.now();
    peers[0]!.deliver("BROADCAST", "once", { id: "m1", ttl: 5 });
    await harness.settle();
    harness.fakeClock.advance(harness.node.config.limits.seenCacheTtlMs);
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.seen.has("m1", harness.fakeClock.now())).toBe(false);
    peers[0]!.deliver("BROADCAST", "once", { id: "m1", ttl: 5, time: sentAt });
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.dropped.stale).toBe(1);
  });

  it("refuses new ids while the seen-cache is full of unexpired ones, and takes them again once those expire", async () => {
    harness = await PluginHarness.create({ plugins: [BroadcastPlugin], config: { limits: { seenCacheSize: 3, seenCacheTtlMs: 1000, maxClockSkewMs: 500 } } });
    const delivered: BroadcastEvent[] = [];
    harness.node.on("broadcast", (event) => delivered.push(event));
    const peer = await harness.connectPeer("a");
    for (const id of ["m1", "m2", "m3", "m4"]) peer.deliver("BROADCAST", id, { id, ttl: 5 });
    peer.deliver("BROADCAST", "m1", { id: "m1", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["m1", "m2", "m3"]);
    const plugin = harness.node.plugin<BroadcastPlugin>("broadcast")!;
    expect(plugin.dropped.refused).toBe(1);
    expect(harness.logger.find("seen-cache full")).toBeDefined();
    harness.fakeClock.advance(1000);
    peer.deliver("BROADCAST", "m5", { id: "m5", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["m1", "m2", "m3", "m5"]);
  });

  it("sends its own broadcast even while the seen-cache is full", async () => {
    harness = await PluginHarness.create({ plugins: [BroadcastPlugin], config: { limits: { seenCacheSize: 1, seenCacheTtlMs: 1000, maxClockSkewMs: 500 } } });
    const peer = await harness.connectPeer("a");
    peer.deliver("BROADCAST", "m1", { id: "m1", ttl: 5 });
    await harness.settle();
    harness.node.broadcast("mine");
    await harness.settle();
    expect(peer.receivedOf("BROADCAST").map((e) => e.msg)).toEqual(["mine"]);
  });
});
