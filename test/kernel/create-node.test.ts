import { afterEach, describe, expect, it } from "vitest";
import { inject } from "tsyringe";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createNode } from "../../src/node/create-node.js";
import { plugin } from "../../src/kernel/decorators.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { TOKENS } from "../../src/kernel/tokens.js";
import type { PeerTable } from "../../src/kernel/peer-table.js";
import { MemoryLogger, MemoryNetwork, MemoryTransport, PluginHarness } from "../../src/testing/index.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");
const nodes: PeerNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown()));
});

async function memoryNode(config: Parameters<typeof createNode>[0]): Promise<PeerNode> {
  const node = await createNode(
    { host: "memory", port: 0, ...config },
    { transport: new MemoryTransport({ network: new MemoryNetwork() }), logger: new MemoryLogger() },
  );
  nodes.push(node);
  return node;
}

describe("createNode", () => {
  it("gives each node its own services: two nodes in one process share nothing", async () => {
    @plugin({ name: "grab" })
    class Grab {
      constructor(@inject(TOKENS.PeerTable) readonly peers: PeerTable) {}
    }
    const a = await memoryNode({ id: "a", plugins: [Grab] });
    const b = await memoryNode({ id: "b", plugins: [Grab] });
    expect(a.plugin<Grab>("grab")!.peers).toBe(a.peers);
    expect(b.plugin<Grab>("grab")!.peers).toBe(b.peers);
    expect(a.peers).not.toBe(b.peers);
    expect(a.dispatcher).not.toBe(b.dispatcher);
  });

  it("injects each plugin's own options from config.options", async () => {
    @plugin({ name: "configured" })
    class Configured {
      constructor(@inject(TOKENS.PluginOptions) readonly options: unknown) {}
    }
    const node = await memoryNode({ plugins: [Configured], options: { configured: { level: 3 } } });
    expect(node.plugin<Configured>("configured")!.options).toEqual({ level: 3 });
  });

  it("refuses a plugin whose constructor parameter lacks @inject, saying to add it", async () => {
    @plugin({ name: "forgetful" })
    class Forgetful {
      constructor(readonly peers: PeerTable) {}
    }
    await expect(memoryNode({ plugins: [Forgetful] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("put @inject(TOKENS.X) on every constructor parameter"),
    });
  });

  it("refuses an invalid config field with ERR_CONFIG_INVALID naming it", async () => {
    await expect(createNode({ port: -1 })).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID", message: expect.stringContaining("port") });
  });

  it("registers the handlers of the plugins it starts, and removes them at shutdown", async () => {
    const node = await memoryNode({ plugins: ["ping", "advertise", "broadcast", "test"] });
    expect(node.dispatcher.types()).toEqual([]);
    await node.start();
    expect(node.dispatcher.types()).toEqual(["ADVERTISE", "ADVERTISE_REPLY", "BROADCAST", "PING", "PONG", "TEST"]);
    await node.shutdown();
    expect(node.dispatcher.types()).toEqual([]);
  });

  it("starts plugins in dependency order and stops them in reverse", async () => {
    const calls: string[] = [];
    @plugin({ name: "base" })
    class Base {
      start() { calls.push("start base"); }
      stop() { calls.push("stop base"); }
    }
    @plugin({ name: "top", dependencies: ["base"] })
    class Top {
      start() { calls.push("start top"); }
      stop() { calls.push("stop top"); }
    }
    const node = await memoryNode({ plugins: [Top, Base] });
    await node.start();
    await node.shutdown();
    expect(calls).toEqual(["start base", "start top", "stop top", "stop base"]);
  });

  it("with autostart false, start() does not listen until startListening()", async () => {
    const node = await memoryNode({ autostart: false, plugins: [] });
    await node.start();
    expect(node.address).toBeUndefined();
    const address = await node.startListening();
    expect(node.address).toEqual(address);
  });

  it("loads a plugin module named by path, relative to baseDir, and runs its handler", async () => {
    const harness = await PluginHarness.create({ plugins: ["./echo-plugin.ts"], config: { baseDir: fixtures, options: { echo: { prefix: "> " } } } });
    try {
      const bob = await harness.connectPeer("bob");
      bob.deliver("ECHO", "hi");
      await harness.settle();
      expect(bob.receivedOf("ECHO_REPLY").map((e) => e.msg)).toEqual(["> hi"]);
    } finally {
      await harness.shutdown();
    }
  });

  it("says which plugin to add when the API needs one that is not loaded", async () => {
    const node = await memoryNode({ plugins: [] });
    expect(() => node.broadcast("x")).toThrow(expect.objectContaining({ code: "ERR_PLUGIN_NOT_LOADED", message: expect.stringContaining('Add "broadcast"') }));
  });
});
