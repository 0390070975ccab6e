// Handlers.known: a signed copy of a message a plugin already has is dropped by its connection before its
// signed text is parsed, only while every handler of its type asked for that and nobody listens to `message`.
import { afterEach, describe, expect, it } from "vitest";
import { handles, inject, plugin, TOKENS, type Envelope, type Handlers } from "../../src/plugin-api.js";
import { PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness | undefined;
afterEach(async () => {
  await harness?.shutdown();
  harness = undefined;
});

@plugin({ name: "once" })
class Once {
  readonly handled: string[] = [];
  private readonly ids = new Set<string>();

  constructor(@inject(TOKENS.Handlers) private readonly handlers: Handlers) {}

  start(): void {
    this.handlers.known("ONCE", (id) => this.ids.has(id));
  }

  @handles("ONCE", { requirePeer: true })
  onOnce(envelope: Envelope): void {
    this.handled.push(envelope.id!);
    this.ids.add(envelope.id!);
  }
}

async function twice(): Promise<{ once: Once; envelope: Envelope; framesIn: () => number }> {
  harness = await PluginHarness.create({ plugins: [Once], secure: true });
  const once = harness.node.plugin<Once>("once")!;
  const bob = await harness.connectPeer("bob");
  const envelope = bob.signed("ONCE", { n: 1 });
  bob.deliverEnvelope(envelope);
  await harness.settle();
  bob.deliverEnvelope(envelope);
  await harness.settle();
  const node = harness.node;
  return { once, envelope, framesIn: () => node.connections.connectionOf(bob.id)!.stats().framesIn };
}

describe("Handlers.known", () => {
  it("drops a known signed copy before any handler, counting it as received", async () => {
    const { once, envelope, framesIn } = await twice();
    expect(once.handled).toEqual([envelope.id]);
    expect(framesIn()).toBeGreaterThanOrEqual(2);
  });

  it("keeps handing every copy while another owner's handler shares the type", async () => {
    harness = await PluginHarness.create({ plugins: [Once], secure: true });
    const seen: string[] = [];
    harness.node.dispatcher.on("ONCE", (envelope) => void seen.push(envelope.id!));
    const bob = await harness.connectPeer("bob");
    const envelope = bob.signed("ONCE", { n: 1 });
    bob.deliverEnvelope(envelope);
    bob.deliverEnvelope(envelope);
    await harness.settle();
    expect(seen).toEqual([envelope.id, envelope.id]);
    expect(harness.node.plugin<Once>("once")!.handled).toEqual([envelope.id, envelope.id]);
  });

  it("keeps handing every copy while someone listens to message", async () => {
    harness = await PluginHarness.create({ plugins: [Once], secure: true });
    const messages: string[] = [];
    harness.node.on("message", (envelope) => void messages.push(envelope.id!));
    const bob = await harness.connectPeer("bob");
    const envelope = bob.signed("ONCE", { n: 1 });
    bob.deliverEnvelope(envelope);
    bob.deliverEnvelope(envelope);
    await harness.settle();
    expect(messages).toEqual([envelope.id, envelope.id]);
    expect(harness.node.plugin<Once>("once")!.handled).toEqual([envelope.id, envelope.id]);
  });
});
