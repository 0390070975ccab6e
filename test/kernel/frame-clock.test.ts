import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../src/base/clock.js";
import { createNode } from "../../src/node/create-node.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { MemoryLogger, MemoryNetwork, MemoryTransport } from "../../src/testing/index.js";

const nodes: PeerNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown()));
});

/** The system clock, counting its reads. */
class CountingClock extends SystemClock {
  reads = 0;
  override now(): number {
    this.reads += 1;
    return super.now();
  }
}

describe("the connection pool's clock", () => {
  it("is read once for the frames handled in one turn, not once per frame, and still moves lastSeen", async () => {
    const network = new MemoryNetwork();
    const clock = new CountingClock();
    const make = async (id: string, overrides: { clock?: CountingClock } = {}) => {
      const node = await createNode(
        { host: "memory", port: 0, id, security: "none", plugins: ["ping"] },
        { transport: new MemoryTransport({ network }), logger: new MemoryLogger(), ...overrides },
      );
      nodes.push(node);
      await node.start();
      return node;
    };
    const receiver = await make("receiver", { clock });
    const sender = await make("sender");
    await sender.join("memory", receiver.address!.port);
    let received = 0;
    const all = new Promise<void>((resolve) => {
      receiver.dispatcher.on("COUNT", () => {
        if (++received === 100) resolve();
      });
    });
    receiver.peers.find("sender")!.lastSeen = 0;
    const readsBefore = clock.reads;
    for (let i = 0; i < 100; i++) sender.connections.send("receiver", { msg_type: "COUNT", msg: i, originator: "sender", time: Date.now() });
    await all;
    expect(clock.reads - readsBefore).toBeLessThan(10);
    expect(receiver.peers.find("sender")!.lastSeen).toBeGreaterThan(0);
  });
});
