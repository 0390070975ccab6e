import { describe, expect, it, afterEach } from "vitest";
import { PingPlugin } from "../../src/plugins/ping.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

describe("ping plugin", () => {
  it("answers a PING with a PONG carrying the node's id and listening address", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const bob = await harness.connectPeer("bob", { handshake: false });
    bob.deliver("PING", { id: "bob", host: "10.0.0.2", port: 7002 });
    await harness.settle();
    const [pong] = bob.receivedOf("PONG");
    expect(pong?.originator).toBe("node-under-test");
    expect(pong?.msg).toEqual({ id: "node-under-test", host: "memory", port: harness.node.address!.port });
  });

  it("adds the pinging peer to the peer table with its listening address", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const bob = await harness.connectPeer("bob", { handshake: false });
    bob.deliver("PING", { id: "bob", host: "10.0.0.2", port: 7002 });
    await harness.settle();
    expect(harness.node.peers.find("bob")).toMatchObject({ id: "bob", host: "10.0.0.2", port: 7002, connected: true });
  });

  it("emits peer:connect once when the same peer pings twice on its connection", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const connects: string[] = [];
    harness.node.on("peer:connect", (peer) => connects.push(peer.id));
    const bob = await harness.connectPeer("bob", { handshake: false });
    bob.deliver("PING", { id: "bob", host: "h", port: 1 });
    bob.deliver("PING", { id: "bob", host: "h", port: 1 });
    await harness.settle();
    expect(connects).toEqual(["bob"]);
    expect(bob.receivedOf("PONG")).toHaveLength(2);
  });

  it("rejects a PING whose payload is not { id, host, port } and does not answer it", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const bob = await harness.connectPeer("bob", { handshake: false });
    bob.deliver("PING", ["127.0.0.1", 7002]);
    await harness.settle();
    expect(bob.receivedOf("PONG")).toHaveLength(0);
    expect(harness.node.peers.find("bob")).toBeUndefined();
    expect(harness.logger.find("PING payload")).toBeDefined();
  });

  it("rejects a PING that claims another node's id", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const bob = await harness.connectPeer("bob", { handshake: false });
    bob.deliver("PING", { id: "carol", host: "h", port: 1 });
    await harness.settle();
    expect(harness.node.peers.find("carol")).toBeUndefined();
    expect(harness.logger.find("differs from the envelope's originator")).toBeDefined();
  });

  it("closes a connection whose PING carries the node's own id", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const mirror = await harness.connectPeer("node-under-test", { handshake: false });
    mirror.deliver("PING", { id: "node-under-test", host: "memory", port: 1 });
    await harness.settle();
    expect(mirror.closed).toBe(true);
    expect(mirror.receivedOf("PONG")).toHaveLength(0);
    expect(harness.node.peers.size).toBe(0);
  });

  it("join() resolves with the peer once its PONG arrives, and both sides list each other", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin] });
    const remote = await harness.addNode({ plugins: [PingPlugin], config: { id: "remote" } });
    const peer = await harness.node.join("memory", remote.address!.port);
    expect(peer).toEqual({ id: "remote", host: "memory", port: remote.address!.port });
    await harness.settle();
    expect(remote.peers.find("node-under-test")?.connected).toBe(true);
  });

  it("join() rejects with ERR_TIMEOUT when the far end never answers PONG", async () => {
    harness = await PluginHarness.create({ plugins: [PingPlugin], config: { limits: { requestTimeoutMs: 1000 } } });
    // A node without the ping plugin accepts the connection but never answers.
    const mute = await harness.addNode({ plugins: [], config: { id: "mute" } });
    const joining = harness.node.join("memory", mute.address!.port);
    const outcome = expect(joining).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
    await harness.settle();
    harness.fakeClock.advance(1000);
    await outcome;
  });
});
