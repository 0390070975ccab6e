import { afterEach, describe, expect, it } from "vitest";
import { KeepalivePlugin } from "../../src/plugins/keepalive.js";
import { PingPlugin } from "../../src/plugins/ping.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

const plugins = [PingPlugin, KeepalivePlugin];
const keepalive = { intervalMs: 1000, timeoutMs: 3000, redialBaseMs: 500, redialMaxMs: 4000 };

async function create() {
  harness = await PluginHarness.create({ plugins, config: { keepalive } });
  return harness;
}

/** Moves the fake clock in small steps, letting in-memory deliveries run between them. */
async function advance(ms: number, step = 100): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) {
    harness.fakeClock.advance(Math.min(step, ms - passed));
    await harness.settle();
  }
}

describe("keepalive plugin", () => {
  it("sends an idle peer a PING once keepalive.intervalMs passed without a frame, not before", async () => {
    await create();
    const bob = await harness.connectPeer("bob");
    await advance(900);
    expect(bob.receivedOf("PING")).toHaveLength(0);
    await advance(400);
    expect(bob.receivedOf("PING")).toMatchObject([{ originator: "node-under-test", msg: { id: "node-under-test" } }]);
  });

  it("does not ping a peer that keeps sending frames", async () => {
    await create();
    const bob = await harness.connectPeer("bob");
    for (let i = 0; i < 10; i++) {
      await advance(500);
      bob.deliver("CHATTER", i);
      await harness.settle();
    }
    expect(bob.receivedOf("PING")).toHaveLength(0);
  });

  it("keeps a peer that answers its PINGs", async () => {
    await create();
    const bob = await harness.connectPeer("bob");
    let answered = 0;
    for (let i = 0; i < 40; i++) {
      await advance(250);
      for (; answered < bob.receivedOf("PING").length; answered++) bob.deliver("PONG", { id: "bob", host: "memory", port: 1 });
    }
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(harness.node.peers.find("bob")?.connected).toBe(true);
  });

  it("drops a silent peer after keepalive.timeoutMs: closed, removed, peer:disconnect with the reason", async () => {
    await create();
    const gone: Array<[string, string]> = [];
    harness.node.on("peer:disconnect", (peer, reason) => gone.push([peer.id, reason]));
    const bob = await harness.connectPeer("bob");
    await advance(2900);
    expect(gone).toEqual([]);
    await advance(1000);
    expect(gone).toEqual([["bob", expect.stringContaining("keepalive timeout")]]);
    expect(harness.node.peers.find("bob")).toBeUndefined();
    expect(bob.closed).toBe(true);
  });

  it("redials a joined peer that dropped, with growing delays, until it is back", async () => {
    await create();
    const remote = await harness.addNode({ plugins, config: { id: "remote", keepalive } });
    const port = remote.address!.port;
    await harness.node.join("memory", port);
    const events: string[] = [];
    harness.node.on("peer:connect", (peer) => events.push(`connect ${peer.id}`));
    harness.node.on("peer:disconnect", (peer) => events.push(`disconnect ${peer.id}`));

    await remote.shutdown();
    await harness.settle();
    expect(events).toEqual(["disconnect remote"]);

    // Nobody listens: the attempts fail, each logged, each after a longer wait (base 500 ms, doubling, jitter 0.5-1).
    await advance(8000);
    const attempts = harness.logger.entries.filter((e) => e.message === "redialling a kept peer").map((e) => e.fields);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    attempts.forEach((a, i) => {
      const ceiling = Math.min(4000, 500 * 2 ** i);
      expect(a.afterMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(a.afterMs).toBeLessThanOrEqual(ceiling);
    });

    await harness.addNode({ plugins, config: { id: "remote", port, keepalive } });
    await advance(4100);
    expect(events).toEqual(["disconnect remote", "connect remote"]);
    expect(harness.node.peers.find("remote")?.connected).toBe(true);
  });

  it("keeps a kept address whose node refuses this node's id as taken: one warning, slow redials, back once the twin is gone", async () => {
    await create();
    const remote = await harness.addNode({ plugins, config: { id: "remote", keepalive } });
    const port = remote.address!.port;
    await harness.node.join("memory", port);
    await remote.shutdown();
    await harness.settle();

    // The address comes back, and a second node with this node's id reaches it first.
    const back = await harness.addNode({ plugins, config: { id: "remote", port, keepalive } });
    const twin = await harness.addNode({ plugins, config: { id: "node-under-test", keepalive } });
    await twin.join("memory", port);
    await advance(8000);

    const keepalivePlugin = harness.node.plugin<KeepalivePlugin>("keepalive")!;
    expect(keepalivePlugin.keptAddresses()).toEqual([`memory:${port}`]);
    const slow = harness.logger.entries.filter((e) => e.message === "a kept peer refuses this node's id; redialling it slowly");
    expect(slow).toHaveLength(1);
    expect(slow[0]!.fields.error).toMatch(/its id "node-under-test" is already used by another node connected there\. Start this node with another id \(--id NAME\)/);
    expect(back.peers.find("node-under-test")?.connected).toBe(true);
    expect(harness.node.peers.find("remote")).toBeUndefined();

    // Redialled every refusedRedialMs (4000 ms here; the jitter at most halves it), not every redialBaseMs.
    const attempts = () => harness.logger.entries.filter((e) => e.message === "redialling a kept peer").length;
    const before = attempts();
    await advance(8000);
    expect(attempts() - before).toBeGreaterThanOrEqual(2);
    expect(attempts() - before).toBeLessThanOrEqual(4);
    expect(harness.logger.entries.filter((e) => e.message === "a kept peer refuses this node's id; redialling it slowly")).toHaveLength(1);
    // The refusing node, refused the same claim at each slow redial, warned once too.
    const refusing = harness.logger.entries.filter((e) => e.message.startsWith("refused a node that claims the id of a connected peer"));
    expect(refusing.filter((e) => e.level === "warn")).toHaveLength(1);
    expect(harness.logger.entries.filter((e) => e.message === "refused again a node that claims the id of a connected peer").length).toBeGreaterThanOrEqual(2);

    // The twin goes: the next slow redial gets through.
    await twin.shutdown();
    await advance(4100);
    expect(harness.node.peers.find("remote")?.connected).toBe(true);
  });

  it("never waits longer than keepalive.redialMaxMs between attempts", async () => {
    await create();
    harness.node.plugin<KeepalivePlugin>("keepalive")!.keep("memory", 9, undefined);
    await advance(60_000, 250);
    const waits = harness.logger.entries.filter((e) => e.message === "redialling a kept peer").map((e) => e.fields.afterMs as number);
    expect(waits.length).toBeGreaterThan(10);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4000);
  });

  it("does not redial a peer it was not told to keep", async () => {
    await create();
    await harness.connectPeer("bob");
    await advance(4000);
    expect(harness.logger.find("redialling a kept peer")).toBeUndefined();
  });

  it("clears its timers at shutdown", async () => {
    await create();
    harness.node.plugin<KeepalivePlugin>("keepalive")!.keep("memory", 9, undefined);
    expect(harness.fakeClock.pending).toBeGreaterThan(0);
    await harness.node.shutdown();
    expect(harness.fakeClock.pending).toBe(0);
  });
});
