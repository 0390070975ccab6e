// Issue 9, item 1: one deeply nested frame, before any handshake, must not stop the process.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNode } from "../../src/node/create-node.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import type { TestEvent } from "../../src/kernel/node-events.js";
import { MemoryLogger } from "../../src/testing/index.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";
import { closeRawPeers, rawClient } from "./raw-peer.js";

const nodes = new TcpNodes();
const extraNodes: PeerNode[] = [];
// One logger for the file's nodes: each test reads only its own entries.
beforeEach(() => {
  nodes.logger.entries.length = 0;
});
afterEach(async () => {
  await closeRawPeers();
  await Promise.all(extraNodes.splice(0).map((node) => node.shutdown()));
  await nodes.shutdown();
});


/** The frame of the issue: 4,000 nested arrays around one string, about 8 KB. */
export function deepFrame(inner: string, depth = 4000): string {
  return `{"msg_type":"TEST","msg":${"[".repeat(depth)}${inner}${"]".repeat(depth)},"originator":"x","time":0}`;
}

/** A TEST frame whose payload nests `depth - 1` arrays (the envelope is depth 1). */
function frameOfDepth(depth: number, originator: string): string {
  return `{"msg_type":"TEST","msg":${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)},"originator":"${originator}","time":${Date.now()}}`;
}

const rejectionsFor = (logger: MemoryLogger, text: string) =>
  logger.entries.filter((e) => e.message === "rejected a frame" && String(e.fields.reason).includes(text));

describe("a deeply nested frame (issue 9, item 1)", () => {
  for (const inner of ['"\\u0041"', '"constructor"']) {
    it(`is rejected as a bad frame before any handshake (inner ${inner}); the node stays up and an honest node joins it`, async () => {
      const a = await nodes.start({ id: "a" });
      const attacker = await rawClient(a.address!.port);
      const frame = deepFrame(inner);
      expect(Buffer.byteLength(frame)).toBeLessThan(8_200);
      attacker.socket.write(frame + "\n");

      await waitUntil(() => rejectionsFor(nodes.logger, "limits.maxJsonDepth").length === 1, "the deep frame to be rejected, naming limits.maxJsonDepth");
      expect(rejectionsFor(nodes.logger, "limits.maxJsonDepth")[0]!.fields).toMatchObject({ reason: expect.stringContaining("(64)") });
      expect(nodes.logger.messages("error")).toEqual([]);
      // One bad frame is below maxBadFrames: the attacker's connection stays open, the node answers it.
      attacker.socket.write(JSON.stringify({ msg_type: "PING", msg: { id: "x", host: "127.0.0.1", port: 9 }, originator: "x", time: Date.now() }) + "\n");
      await waitUntil(() => attacker.received().includes('"msg_type":"PONG"'), "a PONG on the attacker's connection");

      const b = await nodes.start({ id: "b" });
      await expect(b.join("127.0.0.1", a.address!.port)).resolves.toMatchObject({ id: "a" });
      expect(a.peers.find("b")?.connected).toBe(true);
    });
  }

  it("accepts a frame exactly limits.maxJsonDepth deep and rejects one a level deeper, for the default and a configured limit", async () => {
    for (const [limit, config] of [
      [64, {}],
      [8, { limits: { maxJsonDepth: 8 } }],
    ] as const) {
      const node = await nodes.start({ id: `n${limit}`, ...config });
      const tests: TestEvent[] = [];
      node.on("test", (event) => tests.push(event));
      const peer = await rawClient(node.address!.port);
      peer.socket.write(`${frameOfDepth(limit, `at-${limit}`)}\n${frameOfDepth(limit + 1, `over-${limit}`)}\n${frameOfDepth(limit, `after-${limit}`)}\n`);
      await waitUntil(() => tests.length === 2, `the two frames within ${limit} to be delivered`);
      expect(tests.map((t) => t.originator)).toEqual([`at-${limit}`, `after-${limit}`]);
      expect(rejectionsFor(nodes.logger, `limits.maxJsonDepth (${limit})`)).toHaveLength(1);
    }
  });

  it("confines a failure of the read path itself to its connection: logged with the peer, that connection closed, the process unharmed", async () => {
    // A logger that throws on the bad-frame warning stands for any bug on the read path.
    const logger = new (class extends MemoryLogger {
      override warn(message: string, fields?: Record<string, unknown>): void {
        super.warn(message, fields);
        if (message === "rejected a frame") throw new RangeError("a bug on the read path");
      }
    })();
    const a = await createNode({ id: "a", security: "none", host: "127.0.0.1", port: 0 }, { logger });
    extraNodes.push(a);
    await a.start();
    const bystander = await rawClient(a.address!.port);
    bystander.socket.write(JSON.stringify({ msg_type: "PING", msg: { id: "bystander", host: "127.0.0.1", port: 9 }, originator: "bystander", time: Date.now() }) + "\n");
    await waitUntil(() => a.peers.find("bystander")?.connected === true, "the bystander's handshake");

    const victim = await rawClient(a.address!.port);
    victim.socket.write("not json\n");
    await victim.closed;
    const failure = logger.entries.find((e) => e.level === "error" && e.message.startsWith("failed to read from the connection"));
    expect(failure?.fields).toMatchObject({ remote: expect.stringContaining("127.0.0.1:"), error: expect.any(RangeError) });

    expect(a.peers.find("bystander")?.connected).toBe(true);
    const b = await nodes.start({ id: "b" });
    await expect(b.join("127.0.0.1", a.address!.port)).resolves.toMatchObject({ id: "a" });
  });
});
