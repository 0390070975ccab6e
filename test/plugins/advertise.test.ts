import { afterEach, describe, expect, it } from "vitest";
import { AdvertisePlugin } from "../../src/plugins/advertise.js";
import { PingPlugin } from "../../src/plugins/ping.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

const plugins = [PingPlugin, AdvertisePlugin];

describe("advertise plugin", () => {
  it("answers ADVERTISE with every connected peer except the asker", async () => {
    harness = await PluginHarness.create({ plugins });
    const bob = await harness.connectPeer("bob", { host: "10.0.0.2", port: 7002 });
    await harness.connectPeer("carol", { host: "10.0.0.3", port: 7003 });
    bob.deliver("ADVERTISE", null);
    await harness.settle();
    expect(bob.receivedOf("ADVERTISE_REPLY").map((e) => e.msg)).toEqual([[{ id: "carol", host: "10.0.0.3", port: 7003 }]]);
  });

  it("rejects ADVERTISE from a connection that has not completed the handshake", async () => {
    harness = await PluginHarness.create({ plugins });
    const stranger = await harness.connectPeer("stranger", { handshake: false });
    stranger.deliver("ADVERTISE", null);
    await harness.settle();
    expect(stranger.receivedOf("ADVERTISE_REPLY")).toHaveLength(0);
    expect(harness.logger.find("ADVERTISE before the handshake")).toBeDefined();
  });

  it("connects to the advertised peers it does not know, and skips itself and known peers", async () => {
    harness = await PluginHarness.create({ plugins });
    const carol = await harness.addNode({ plugins, config: { id: "carol" } });
    const bob = await harness.connectPeer("bob");
    const self = harness.node.address!;
    const asking = harness.node.getPeersFrom("bob");
    bob.deliver("ADVERTISE_REPLY", [
      { id: "carol", host: "memory", port: carol.address!.port },
      { id: "node-under-test", host: self.host, port: self.port },
      { id: "bob", host: "memory", port: 1 },
    ]);
    await asking;
    expect(harness.node.peers.connected().map((p) => p.id).sort()).toEqual(["bob", "carol"]);
  });

  it("never connects to more peers than limits.maxPeers", async () => {
    harness = await PluginHarness.create({ plugins, config: { limits: { maxPeers: 2 } } });
    const others = await Promise.all(["p1", "p2", "p3"].map((id) => harness.addNode({ plugins, config: { id } })));
    const bob = await harness.connectPeer("bob");
    const asking = harness.node.getPeersFrom("bob");
    bob.deliver(
      "ADVERTISE_REPLY",
      others.map((node) => ({ id: node.id, host: "memory", port: node.address!.port })),
    );
    await asking;
    expect(harness.node.peers.connectedCount()).toBe(2);
  });

  it("rejects an ADVERTISE_REPLY that is not a list of peers", async () => {
    harness = await PluginHarness.create({ plugins });
    const bob = await harness.connectPeer("bob");
    bob.deliver("ADVERTISE_REPLY", [{ id: "x", host: "h", port: "seven" }]);
    await harness.settle();
    expect(harness.logger.find("entry 0: field port")).toBeDefined();
  });

  it("getPeersFrom() sends ADVERTISE and resolves with the peers it connected to", async () => {
    harness = await PluginHarness.create({ plugins });
    const carol = await harness.addNode({ plugins, config: { id: "carol" } });
    const bob = await harness.connectPeer("bob");
    const asking = harness.node.getPeersFrom("bob");
    await harness.settle();
    expect(bob.receivedOf("ADVERTISE")).toHaveLength(1);
    bob.deliver("ADVERTISE_REPLY", [{ id: "carol", host: "memory", port: carol.address!.port }]);
    await expect(asking).resolves.toEqual([{ id: "carol", host: "memory", port: carol.address!.port }]);
  });

  it("getPeersFrom() rejects with ERR_TIMEOUT when no reply comes", async () => {
    harness = await PluginHarness.create({ plugins, config: { limits: { requestTimeoutMs: 2000 } } });
    await harness.connectPeer("bob");
    const asking = harness.node.getPeersFrom("bob");
    const outcome = expect(asking).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
    harness.fakeClock.advance(2000);
    await outcome;
  });

  it("getPeersFrom() rejects with ERR_UNKNOWN_PEER for a peer that is not connected", async () => {
    harness = await PluginHarness.create({ plugins });
    await expect(harness.node.getPeersFrom("nobody")).rejects.toMatchObject({ code: "ERR_UNKNOWN_PEER" });
  });

  it("drops an ADVERTISE_REPLY it did not ask for, counted, without dialling and without calling it a bad frame", async () => {
    harness = await PluginHarness.create({ plugins });
    const carol = await harness.addNode({ plugins, config: { id: "carol" } });
    const bob = await harness.connectPeer("bob");
    bob.deliver("ADVERTISE_REPLY", [{ id: "carol", host: "memory", port: carol.address!.port }]);
    await harness.settle();
    expect(harness.node.peers.connected().map((p) => p.id)).toEqual(["bob"]);
    expect(harness.node.plugin<AdvertisePlugin>("advertise")!.stats.unsolicited).toBe(1);
    expect(harness.logger.find("rejected")).toBeUndefined();
  });

  it("takes one reply per request: a second one is unsolicited, and callers while a request is open share it", async () => {
    harness = await PluginHarness.create({ plugins });
    const [carol, dave] = await Promise.all(["carol", "dave"].map((id) => harness.addNode({ plugins, config: { id } })));
    const bob = await harness.connectPeer("bob");
    const first = harness.node.getPeersFrom("bob");
    const second = harness.node.getPeersFrom("bob");
    await harness.settle();
    expect(bob.receivedOf("ADVERTISE")).toHaveLength(1);
    bob.deliver("ADVERTISE_REPLY", [{ id: "carol", host: "memory", port: carol!.address!.port }]);
    bob.deliver("ADVERTISE_REPLY", [{ id: "dave", host: "memory", port: dave!.address!.port }]);
    const expected = [{ id: "carol", host: "memory", port: carol!.address!.port }];
    await expect(first).resolves.toEqual(expected);
    await expect(second).resolves.toEqual(expected);
    await harness.settle();
    expect(harness.node.peers.find("dave")).toBeUndefined();
    expect(harness.node.plugin<AdvertisePlugin>("advertise")!.stats.unsolicited).toBe(1);
  });

  it("spends at most limits.peerExchangeDialsPerMinute per minute of the clock, then has the budget again", async () => {
    const limits = { peerExchangeDialsPerMinute: 2, peerExchangeDialsPerReply: 8 };
    harness = await PluginHarness.create({ plugins, config: { limits } });
    const others = await Promise.all(["p1", "p2", "p3"].map((id) => harness.addNode({ plugins, config: { id } })));
    const list = others.map((node) => ({ id: node.id, host: "memory", port: node.address!.port }));
    const bob = await harness.connectPeer("bob");
    const asking = harness.node.getPeersFrom("bob");
    bob.deliver("ADVERTISE_REPLY", list);
    await expect(asking).resolves.toHaveLength(2);

    harness.fakeClock.advance(59_999);
    const again = harness.node.getPeersFrom("bob");
    bob.deliver("ADVERTISE_REPLY", list);
    await expect(again).resolves.toEqual([]);

    harness.fakeClock.advance(1);
    const later = harness.node.getPeersFrom("bob");
    bob.deliver("ADVERTISE_REPLY", list);
    await expect(later).resolves.toEqual([list[2]]);
    expect(harness.node.plugin<AdvertisePlugin>("advertise")!.stats).toMatchObject({ dials: 3, overBudget: 2 });
  });

  it("does not dial an address that failed within limits.peerExchangeBackoffMs, counted from the failure", async () => {
    const limits = { peerExchangeBackoffMs: 60_000, requestTimeoutMs: 5_000 };
    harness = await PluginHarness.create({ plugins, config: { limits } });
    // A node that never answers PING: the dial fails when the handshake times out.
    const mute = await harness.addNode({ plugins: [], config: { id: "mute" } });
    const entry = [{ id: "mute", host: "memory", port: mute.address!.port }];
    const bob = await harness.connectPeer("bob");
    const ask = async (): Promise<unknown> => {
      const asking = harness.node.getPeersFrom("bob");
      bob.deliver("ADVERTISE_REPLY", entry);
      await harness.settle();
      return asking;
    };
    const first = ask();
    await harness.settle();
    harness.fakeClock.advance(5_000);
    await expect(first).resolves.toEqual([]);
    const advertise = harness.node.plugin<AdvertisePlugin>("advertise")!;
    expect(advertise.stats.dials).toBe(1);

    harness.fakeClock.advance(59_000);
    await ask();
    expect(advertise.stats).toMatchObject({ dials: 1, backedOff: 1 });
    harness.fakeClock.advance(1_000);
    const third = ask();
    await harness.settle();
    expect(advertise.stats.dials).toBe(2);
    harness.fakeClock.advance(5_000);
    await third;
  });
});
