// Issue 9, item 6: replays and stale messages, over real TCP on 127.0.0.1. A BROADCAST or DIRECT dated
// outside limits.maxClockSkewMs is dropped, and flooding the seen-cache cannot make a replay look new.
import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent, DirectEvent } from "../../src/kernel/node-events.js";
import type { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import type { DirectPlugin } from "../../src/plugins/direct.js";
import { closeRawPeers, frame, rawPeer } from "./raw-peer.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(async () => {
  await closeRawPeers();
  await nodes.shutdown();
});

const IN_1970 = 0;
const IN_2100 = Date.UTC(2100, 0, 1);

describe("stale and replayed messages", () => {
  it("does not deliver a BROADCAST dated 1970 or 2100, and counts them", async () => {
    const a = await nodes.start({ id: "a" });
    const delivered: BroadcastEvent[] = [];
    a.on("broadcast", (event) => delivered.push(event));
    const attacker = await rawPeer(a.address!.port, "attacker");
    attacker.write(frame("BROADCAST", "from 1970", "attacker", { id: "old", ttl: 3, time: IN_1970 }));
    attacker.write(frame("BROADCAST", "from 2100", "attacker", { id: "future", ttl: 3, time: IN_2100 }));
    attacker.write(frame("BROADCAST", "now", "attacker", { id: "fresh", ttl: 3 }));
    await waitUntil(() => delivered.some((e) => e.msg === "now"), "the fresh broadcast");
    expect(delivered.map((e) => e.msg)).toEqual(["now"]);
    expect(a.plugin<BroadcastPlugin>("broadcast")!.dropped.stale).toBe(2);
    // Not a bad frame: the connection stays, and no frame was rejected.
    expect(attacker.socket.destroyed).toBe(false);
    expect(nodes.logger.find("rejected a frame")).toBeUndefined();
  });

  it("does not deliver a DIRECT dated 1970 or 2100", async () => {
    const a = await nodes.start({ id: "a" });
    const delivered: DirectEvent[] = [];
    a.on("direct", (event) => delivered.push(event));
    const attacker = await rawPeer(a.address!.port, "attacker");
    attacker.write(frame("DIRECT", "from 1970", "attacker", { id: "old", to: "a", ttl: 3, time: IN_1970 }));
    attacker.write(frame("DIRECT", "from 2100", "attacker", { id: "future", to: "a", ttl: 3, time: IN_2100 }));
    attacker.write(frame("DIRECT", "now", "attacker", { id: "fresh", to: "a", ttl: 3 }));
    await waitUntil(() => delivered.some((e) => e.msg === "now"), "the fresh message");
    expect(delivered.map((e) => e.msg)).toEqual(["now"]);
    expect(a.plugin<DirectPlugin>("direct")!.dropped.stale).toBe(2);
    await waitUntil(() => attacker.framesOf("DIRECT_ACK").length === 1, "the acknowledgement");
    expect(attacker.framesOf("DIRECT_ACK")[0]!.msg).toEqual({ id: "fresh" });
  });

  it("delivers a captured broadcast once, even after a flood of seenCacheSize + 1 unique ids", async () => {
    const seenCacheSize = 50;
    const a = await nodes.start({ id: "a", limits: { seenCacheSize } });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const attacker = await rawPeer(a.address!.port, "attacker");
    await waitUntil(() => a.peers.has("b"), "b to join a");
    const delivered: BroadcastEvent[] = [];
    a.on("broadcast", (event) => delivered.push(event));
    const tests: unknown[] = [];
    a.on("test", (event) => tests.push(event));

    // The attacker, a's peer, receives b's broadcast as a passes it on, and keeps the frame.
    b.broadcast({ text: "pay alice 10" });
    await waitUntil(() => attacker.framesOf("BROADCAST").length === 1, "the attacker to capture the broadcast");
    const captured = attacker.lines.find((line) => line.includes('"msg_type":"BROADCAST"'))!;

    const flood = Array.from({ length: seenCacheSize + 1 }, (_, i) => frame("BROADCAST", `junk ${i}`, "attacker", { id: `junk-${i}`, ttl: 1 }));
    attacker.write(flood.join("\n"));
    attacker.write(captured);
    // Frames of one connection are handled in order: once the TEST after them arrived, they were handled.
    attacker.write(frame("TEST", "marker", "attacker"));
    await waitUntil(() => tests.length === 1, "the marker");

    expect(delivered.filter((e) => (e.msg as { text?: string }).text === "pay alice 10")).toHaveLength(1);
    expect(a.plugin<BroadcastPlugin>("broadcast")!.dropped.refused).toBeGreaterThan(0);
    expect(nodes.logger.find("seen-cache full")).toBeDefined();
  });
});
