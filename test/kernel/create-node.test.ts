import { afterEach, describe, expect, it } from "vitest";
import { inject } from "../../src/plugin-api.js";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { createNode } from "../../src/node/create-node.js";
import { plugin } from "../../src/kernel/decorators.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { INTERNAL_TOKENS, pluginToken, TOKENS } from "../../src/kernel/tokens.js";
import { PeerTable } from "../../src/kernel/peer-table.js";
import type { Network, PeerView } from "../../src/kernel/capabilities.js";
import { MemoryLogger, MemoryNetwork, MemoryTransport, PluginHarness } from "../../src/testing/index.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");
const nodes: PeerNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown()));
});

async function memoryNode(config: Parameters<typeof createNode>[0]): Promise<PeerNode> {
  const node = await createNode(
    { host: "memory", port: 0, security: "none", ...config },
    { transport: new MemoryTransport({ network: new MemoryNetwork() }), logger: new MemoryLogger() },
  );
  nodes.push(node);
  return node;
}

describe("createNode", () => {
  it("gives each node its own services: two nodes in one process share nothing", async () => {
    @plugin({ name: "grab" })
    class Grab {
      constructor(@inject(TOKENS.Peers) readonly peers: PeerView) {}
    }
    const a = await memoryNode({ id: "a", plugins: [Grab] });
    const b = await memoryNode({ id: "b", plugins: [Grab] });
    a.peers.add({ id: "x", host: "memory", port: 1 });
    expect(a.plugin<Grab>("grab")!.peers.has("x")).toBe(true);
    expect(b.plugin<Grab>("grab")!.peers.has("x")).toBe(false);
    expect(a.peers).not.toBe(b.peers);
    expect(a.dispatcher).not.toBe(b.dispatcher);
  });

  it("gives plugins narrow, frozen capabilities: no way to the kernel objects behind them", async () => {
    @plugin({ name: "grab" })
    class Grab {
      constructor(
        @inject(TOKENS.Peers) readonly peers: PeerView,
        @inject(TOKENS.Network) readonly network: Network,
      ) {}
    }
    const node = await memoryNode({ plugins: [Grab] });
    const grab = node.plugin<Grab>("grab")!;
    expect(grab.peers).not.toBeInstanceOf(PeerTable);
    expect("add" in grab.peers).toBe(false);
    expect("stop" in grab.network).toBe(false);
    expect("bind" in grab.network).toBe(false);
    expect(Object.isFrozen(grab.network)).toBe(true);
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
      constructor(readonly peers: PeerView) {}
    }
    await expect(memoryNode({ plugins: [Forgetful] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("put @inject(TOKENS.X) on parameter #0 of Forgetful's constructor"),
    });
  });

  it("refuses a plugin compiled with emitted parameter types that lacks one @inject (never builds a stray object)", async () => {
    let built = 0;
    @plugin({ name: "half-injected" })
    class HalfInjected {
      constructor(
        @inject(TOKENS.Clock) readonly clock: unknown,
        readonly peers: PeerTable,
      ) {
        built++;
      }
    }
    // What a compiler with emitDecoratorMetadata records: the container could make a PeerTable from it.
    Reflect.defineMetadata("design:paramtypes", [Object, PeerTable], HalfInjected);
    await expect(memoryNode({ plugins: [HalfInjected] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("parameter #1 of HalfInjected's constructor has no injection token; put @inject(TOKENS.X) on parameter #1 of HalfInjected's constructor"),
    });
    expect(built).toBe(0);
  });

  it("refuses a subclass that inherits its constructor's injections instead of building it with nothing", async () => {
    class Base {
      constructor(@inject(TOKENS.Network) readonly network: Network) {}
    }
    @plugin({ name: "sub" })
    class Sub extends Base {}
    await expect(memoryNode({ plugins: [Sub] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("Sub inherits its constructor from Base; declare a constructor in Sub with @inject(TOKENS.X)"),
    });
  });

  it("gives the transport to the legacy plugin alone, and keeps it out of reach of the plugins depending on it", async () => {
    @plugin({ name: "snoop" })
    class Snoop {
      constructor(@inject(INTERNAL_TOKENS.Transport) readonly transport: unknown) {}
    }
    await expect(memoryNode({ plugins: [Snoop] })).rejects.toMatchObject({ code: "ERR_PLUGIN_INVALID", message: expect.stringContaining("which no node provides") });
    const node = await memoryNode({ plugins: ["ping", "broadcast", "legacy"] });
    const legacy = node.plugin<Record<string, unknown>>("legacy")!;
    expect(Object.values(legacy).some((value) => value instanceof MemoryTransport)).toBe(false);
    expect((legacy as { transport?: unknown }).transport).toBeUndefined();
  });

  it("refuses a token of an earlier version with what to inject instead", async () => {
    @plugin({ name: "old" })
    class Old {
      constructor(@inject(Symbol.for("peerkit.Connections")) readonly connections: unknown) {}
    }
    await expect(memoryNode({ plugins: [Old] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("parameter #0 of Old's constructor asks for TOKENS.Connections (the ConnectionPool) is no longer given to plugins: inject TOKENS.Network"),
    });
  });

  it("refuses a token no node provides, and a plugin token of a plugin it does not depend on", async () => {
    @plugin({ name: "stray" })
    class Stray {
      constructor(@inject(PeerTable) readonly peers: unknown) {}
    }
    await expect(memoryNode({ plugins: [Stray] })).rejects.toMatchObject({
      message: expect.stringContaining("parameter #0 of Stray's constructor asks for the class PeerTable, which no node provides"),
    });
    @plugin({ name: "nosy" })
    class Nosy {
      constructor(@inject(pluginToken("ping")) readonly ping: unknown) {}
    }
    await expect(memoryNode({ plugins: ["ping", Nosy] })).rejects.toMatchObject({
      message: expect.stringContaining('asks for the plugin "ping", which it does not depend on; add "ping" to its @plugin({ dependencies })'),
    });
  });

  it("refuses an invalid config field with ERR_CONFIG_INVALID naming it", async () => {
    await expect(createNode({ port: -1 })).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID", message: expect.stringContaining("port") });
  });

  it("registers the handlers of the plugins it starts, and removes them at shutdown", async () => {
    const node = await memoryNode({ plugins: ["ping", "advertise", "broadcast", "test"] });
    expect(node.dispatcher.types()).toEqual([]);
    await node.start();
    expect(node.dispatcher.types()).toEqual(["ADVERTISE", "ADVERTISE_REPLY", "BROADCAST", "PING", "PONG", "REFUSED", "TEST"]);
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
