// What a plugin is given, through a real node on the in-memory transport: narrow, read-only, and enough.
import { afterEach, describe, expect, it } from "vitest";
import {
  handles,
  inject,
  plugin,
  TOKENS,
  type ConnectionView,
  type Envelope,
  type EventBus,
  type Handlers,
  type Handshake,
  type MessageContext,
  type Network,
  type NodeConfig,
  type PeerMessageContext,
} from "../../src/plugin-api.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

@plugin({ name: "probe" })
class Probe {
  readonly opened: ConnectionView[] = [];
  readonly contexts: MessageContext[] = [];
  private offExtra: (() => void) | undefined;

  constructor(
    @inject(TOKENS.Network) readonly network: Network,
    @inject(TOKENS.Handlers) readonly handlers: Handlers,
  ) {}

  start(): void {
    this.network.onOpen((connection) => this.opened.push(connection));
    this.offExtra = this.handlers.on("EXTRA", (_envelope, context) => void context.reply("EXTRA_SEEN", context.peerId), { requirePeer: true });
  }

  removeExtra(): void {
    this.offExtra?.();
  }

  @handles("RELAY", { requirePeer: true })
  onRelay(envelope: Envelope, context: PeerMessageContext): void {
    this.contexts.push(context);
    context.forward({ ...envelope, ttl: 1 }, ["carol"]);
  }
}

describe("plugin capabilities", () => {
  it("context.forward sends to every handshaken peer but the sender and the excepted ones", async () => {
    harness = await PluginHarness.create({ plugins: [Probe] });
    const bob = await harness.connectPeer("bob");
    const carol = await harness.connectPeer("carol");
    const dave = await harness.connectPeer("dave");
    bob.deliver("RELAY", "hi", { id: "r1" });
    await harness.settle();
    expect(bob.receivedOf("RELAY")).toEqual([]);
    expect(carol.receivedOf("RELAY")).toEqual([]);
    expect(dave.receivedOf("RELAY")).toMatchObject([{ msg: "hi", originator: "bob", ttl: 1 }]);
  });

  it("gives handlers a frozen, read-only view of their connection, the same object each time", async () => {
    harness = await PluginHarness.create({ plugins: [Probe] });
    const bob = await harness.connectPeer("bob");
    bob.deliver("RELAY", 1);
    bob.deliver("RELAY", 2);
    await harness.settle();
    const probe = harness.node.plugin<Probe>("probe")!;
    const [first, second] = probe.contexts;
    expect(first!.connection).toBe(second!.connection);
    expect(first!.connection).toBe(probe.network.connection("bob"));
    expect(first!.connection).toMatchObject({ direction: "inbound", dialect: "ndjson", peerId: "bob", closed: false });
    expect(Object.isFrozen(first!.connection)).toBe(true);
    expect("close" in first!.connection || "send" in first!.connection).toBe(false);
  });

  it("gives TOKENS.Handshake to the ping plugin only: another plugin asking for it is refused at load", async () => {
    @plugin({ name: "binder" })
    class Binder {
      constructor(@inject(TOKENS.Handshake) readonly handshake: Handshake) {}
    }
    await expect(PluginHarness.create({ plugins: [Binder] })).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("which no node provides"),
    });
  });

  it("lets a plugin emit deliveries only, never the kernel's own events", async () => {
    @plugin({ name: "faker" })
    class Faker {
      constructor(@inject(TOKENS.Events) readonly events: EventBus) {}
    }
    harness = await PluginHarness.create({ plugins: [Faker] });
    const faker = harness.node.plugin<Faker>("faker")!;
    const connects: unknown[] = [];
    harness.node.on("peer:connect", (peer) => connects.push(peer));
    // @ts-expect-error: peer:connect is not a plugin event, and refused at run time too.
    expect(() => faker.events.emit("peer:connect", { id: "fake", host: "memory", port: 1 })).toThrow(/kernel's own event/);
    expect(connects).toEqual([]);
  });

  it("gives plugins a frozen config: the limits the kernel enforces cannot be changed through it", async () => {
    @plugin({ name: "tamper" })
    class Tamper {
      constructor(@inject(TOKENS.Config) readonly config: NodeConfig) {}
    }
    harness = await PluginHarness.create({ plugins: [Tamper] });
    const tamper = harness.node.plugin<Tamper>("tamper")!;
    expect(() => {
      (tamper.config.limits as { maxPeers: number }).maxPeers = 0;
    }).toThrow(TypeError);
    expect(harness.node.config.limits.maxPeers).toBeGreaterThan(0);
  });

  it("network.disconnect closes a peer's connection with the reason", async () => {
    harness = await PluginHarness.create({ plugins: [Probe] });
    const bob = await harness.connectPeer("bob");
    const reasons: string[] = [];
    harness.node.on("peer:disconnect", (_peer, reason) => reasons.push(reason));
    const probe = harness.node.plugin<Probe>("probe")!;
    expect(probe.network.peerIds()).toEqual(["bob"]);
    expect(probe.network.disconnect("bob", "test says so")).toBe(true);
    await harness.settle();
    expect(bob.closed).toBe(true);
    expect(reasons).toEqual(["test says so"]);
    expect(probe.network.disconnect("bob", "again")).toBe(false);
  });

  it("registers run-time handlers under the plugin's name, and removes them when asked or when it stops", async () => {
    harness = await PluginHarness.create({ plugins: [Probe] });
    const bob = await harness.connectPeer("bob");
    expect(harness.node.dispatcher.handlers("EXTRA").map((entry) => entry.owner)).toEqual(["probe"]);
    bob.deliver("EXTRA", null);
    await harness.settle();
    expect(bob.receivedOf("EXTRA_SEEN").map((e) => e.msg)).toEqual(["bob"]);
    harness.node.plugin<Probe>("probe")!.removeExtra();
    expect(harness.node.dispatcher.types()).toEqual(["RELAY"]);

    const other = await harness.addNode({ plugins: [Probe], config: { id: "other" } });
    expect(other.dispatcher.types()).toEqual(["EXTRA", "RELAY"]);
    await other.shutdown();
    expect(other.dispatcher.types()).toEqual([]);
  });
});
