import { afterEach, describe, expect, it } from "vitest";
import type { TestEvent } from "../../src/kernel/node-events.js";
import { TestPlugin } from "../../src/plugins/test-message.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

describe("test plugin", () => {
  it("delivers a TEST message to the application as a test event", async () => {
    harness = await PluginHarness.create({ plugins: [TestPlugin] });
    const events: TestEvent[] = [];
    harness.node.on("test", (event) => events.push(event));
    const bob = await harness.connectPeer("bob");
    bob.deliver("TEST", { probe: 1 });
    await harness.settle();
    expect(events.map((e) => [e.originator, e.msg])).toEqual([["bob", { probe: 1 }]]);
  });

  it("sends a TEST message to a connected peer, and refuses an unknown one with ERR_UNKNOWN_PEER", async () => {
    harness = await PluginHarness.create({ plugins: [TestPlugin] });
    const bob = await harness.connectPeer("bob");
    const plugin = harness.node.plugin<TestPlugin>("test")!;
    plugin.send("bob", "ping?");
    await harness.settle();
    expect(bob.receivedOf("TEST").map((e) => e.msg)).toEqual(["ping?"]);
    expect(() => plugin.send("nobody", "x")).toThrow(expect.objectContaining({ code: "ERR_UNKNOWN_PEER" }));
  });
});
