/**
 * `peerkit/testing`: what a plugin author needs to unit-test a plugin without sockets.
 *
 * @example
 *   const harness = await PluginHarness.create({ plugins: [GreeterPlugin] });
 *   const bob = await harness.connectPeer("bob");
 *   bob.deliver("GREET", { name: "bob" });
 *   await harness.settle();
 *   expect(bob.receivedOf("GREET_REPLY")).toHaveLength(1);
 *   await harness.shutdown();
 */
import "reflect-metadata";
export { FakeClock } from "./fake-clock.js";
export { MemoryLogger, type LogEntry } from "./memory-logger.js";
export { PluginHarness, type HarnessOptions } from "./plugin-harness.js";
export { FakePeer, type SignedOptions } from "./fake-peer.js";
export { MemoryNetwork, MemoryTransport, type MemoryConnection } from "../transport/memory-transport.js";
export {
  envelope as contractEnvelope,
  Recorder,
  transportContract,
  waitFor,
  type RawClient,
  type TestApi,
  type TransportHarness,
} from "./transport-contract.js";
