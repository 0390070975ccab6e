// The example plugin's own tests: in-memory transport and fake clock from peerkit/testing, no sockets.
import { afterEach, describe, expect, it } from "vitest";
import { PluginHarness } from "peerkit/testing";
import { GreeterPlugin } from "./greeter-plugin.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

describe("greeter plugin", () => {
  it("answers GREET with a GREET_REPLY that carries the request's id", async () => {
    harness = await PluginHarness.create({ plugins: [GreeterPlugin] });
    const bob = await harness.connectPeer("bob");
    bob.deliver("GREET", { name: "bob" }, { id: "req-1" });
    await harness.settle();
    expect(bob.receivedOf("GREET_REPLY")).toMatchObject([{ id: "req-1", msg: { text: "Hello, bob!" } }]);
  });

  it("uses the greeting from its options", async () => {
    harness = await PluginHarness.create({ plugins: [GreeterPlugin], config: { options: { greeter: { greeting: "Ahoy" } } } });
    const bob = await harness.connectPeer("bob");
    bob.deliver("GREET", { name: "bob" }, { id: "req-1" });
    await harness.settle();
    expect(bob.receivedOf("GREET_REPLY")[0]?.msg).toEqual({ text: "Ahoy, bob!" });
  });

  it("rejects a GREET without a name and does not answer it", async () => {
    harness = await PluginHarness.create({ plugins: [GreeterPlugin] });
    const bob = await harness.connectPeer("bob");
    bob.deliver("GREET", { nom: "bob" });
    await harness.settle();
    expect(bob.receivedOf("GREET_REPLY")).toEqual([]);
    expect(harness.logger.find("expected { name")).toBeDefined();
  });

  it("greet() resolves with the peer's answer", async () => {
    harness = await PluginHarness.create({ plugins: [GreeterPlugin] });
    const bob = await harness.connectPeer("bob");
    const greeting = harness.node.plugin<GreeterPlugin>("greeter")!.greet("bob", "alice");
    await harness.settle();
    const [request] = bob.receivedOf("GREET");
    expect(request?.msg).toEqual({ name: "alice" });
    bob.deliver("GREET_REPLY", { text: "Hello, alice!" }, { id: request!.id });
    await expect(greeting).resolves.toBe("Hello, alice!");
  });

  it("greet() rejects with ERR_TIMEOUT when no answer comes, without real waiting", async () => {
    harness = await PluginHarness.create({ plugins: [GreeterPlugin], config: { limits: { requestTimeoutMs: 3000 } } });
    await harness.connectPeer("bob");
    const greeting = harness.node.plugin<GreeterPlugin>("greeter")!.greet("bob", "alice");
    const outcome = expect(greeting).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
    harness.fakeClock.advance(3000);
    await outcome;
  });

  it("loads from a config by its path, next to the built-in plugins", async () => {
    harness = await PluginHarness.create({ plugins: ["ping", "./greeter-plugin.ts"], config: { baseDir: import.meta.dirname } });
    expect(harness.node.pluginNames).toEqual(["ping", "greeter"]);
    expect(harness.node.dispatcher.types()).toEqual(["GREET", "GREET_REPLY", "PING", "PONG", "REFUSED"]);
  });
});
