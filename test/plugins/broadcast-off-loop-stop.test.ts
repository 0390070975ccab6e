// A broadcast whose off-loop verification concluded just before the plugin stopped is not delivered or
// relayed after the stop (its admission's continuation runs a microtask later).
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/base/envelope.js";
import { DEFAULT_LIMITS } from "../../src/kernel/config.js";
import type { MessageSecurity } from "../../src/kernel/message-security.js";
import { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import { FakeClock } from "../../src/testing/fake-clock.js";
import { MemoryLogger } from "../../src/testing/memory-logger.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("BroadcastPlugin after stop", () => {
  it("delivers and relays nothing whose verification concluded just before stop()", async () => {
    const ends: Array<(ok: boolean) => void> = [];
    const security = {
      secure: true,
      verify: () => true,
      verifyOffLoop: () => new Promise<boolean>((end) => ends.push(end)),
      verificationsRunning: 0,
      verificationsDone: () => Promise.resolve(),
      isNewSequence: () => true,
    } as unknown as MessageSecurity;
    const emitted: string[] = [];
    const events = { emit: (name: string) => emitted.push(name), on: () => undefined, off: () => undefined };
    const config = { broadcast: { mode: "flood" }, limits: { ...DEFAULT_LIMITS } };
    const handlers = { known: () => () => undefined };
    const network = { sendToAll: () => 0 };
    const plugin = new BroadcastPlugin(network as never, { id: "pk_self" } as never, events as never, new FakeClock(0), config as never, handlers as never, new MemoryLogger(), security);
    plugin.start();
    const forwarded: Envelope[] = [];
    const context = {
      peerId: "pk_bob",
      connection: { provenPeerId: "pk_bob", remote: { host: "10.0.0.2", port: 1 } },
      forward: (envelope: Envelope) => (forwarded.push(envelope), 1),
      reject: () => undefined,
    };
    const envelope: Envelope = { msg_type: "BROADCAST", msg: "hi", originator: "pk_o", time: 0, id: "m", seq: 1, ttl: 3, signature: { text: "m", sig: "S" } };
    const handled = plugin.onBroadcast(envelope, context as never);
    ends[0]!(true);
    // Queued after the verification's callback, before the admission's continuation: as a shutdown's await may be.
    queueMicrotask(() => plugin.stop());
    await turn();
    expect(handled).toBeInstanceOf(Promise);
    expect(emitted).toEqual([]);
    expect(forwarded).toEqual([]);
  });
});
