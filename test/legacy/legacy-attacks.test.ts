// Issue 9, item 5: the attacks on the legacy dialect, performed with raw TCP clients on 127.0.0.1
// against nodes with the legacy plugin enabled. Each fails on 9f3bddc.
import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import type { LegacyPlugin } from "../../src/legacy/plugin.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { legacyMessage, Recorder, sendMany, sendOneShot, WITH_LEGACY } from "./raw-legacy.js";

const nodes = new TcpNodes();
const recorders: Recorder[] = [];
afterEach(async () => {
  await nodes.shutdown();
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
});

async function recorder(): Promise<Recorder> {
  const r = await new Recorder().start();
  recorders.push(r);
  return r;
}

function texts(node: PeerNode): () => string[] {
  const delivered: BroadcastEvent[] = [];
  node.on("broadcast", (event) => delivered.push(event));
  return () => delivered.map((e) => (e.msg as { text: string }).text);
}

const statsOf = (node: PeerNode) => node.plugin<LegacyPlugin>("legacy")!.stats()!;
const legacyLinks = (node: PeerNode) => node.connections.connections().filter((c) => c.dialect === "legacy");

/** A legacy handshake by a listener of ours; resolves once the node has bound it. */
async function handshake(node: PeerNode, id: string, listener: Recorder): Promise<void> {
  await sendOneShot(node.address!.port, legacyMessage("PING", ["127.0.0.1", listener.port], id));
  await waitUntil(() => node.peers.find(id)?.connected === true, `the node to bind ${id}`);
}

describe("legacy messages from a source that never completed the handshake", () => {
  it("drops one-shot BROADCASTs (counted): none is delivered, none forwarded", async () => {
    // A generous rate, so that the handshake rule, not the rate limit, is what stops them.
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY, limits: { legacyMessagesPerSecond: 10_000, legacyMessageBurst: 10_000 } });
    const b = await nodes.start({ id: "b" });
    await b.join("127.0.0.1", a.address!.port);
    const atA = texts(a);
    const atB = texts(b);

    await sendMany(a.address!.port, 300, (i) => legacyMessage("BROADCAST", `intruder ${i}`, `intruder-${i}`));
    // Each one-shot was handled before its connection closed; a→b is one ordered connection.
    a.broadcast({ text: "marker" });
    await waitUntil(() => atB().includes("marker"), "the marker at b");

    expect(atA().filter((t) => t.startsWith("intruder"))).toEqual([]);
    expect(atB().filter((t) => t.startsWith("intruder"))).toEqual([]);
    expect(statsOf(a).notHandshaken).toBe(300);
  });

  it("still hands a TEST to the application, and to nothing else (no link, no peer)", async () => {
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY });
    const tests: unknown[] = [];
    a.on("test", (event) => tests.push(event));
    await sendOneShot(a.address!.port, legacyMessage("TEST", "probe", "stranger"));
    expect(tests).toMatchObject([{ originator: "stranger", msg: "probe" }]);
    expect(a.peers.has("stranger")).toBe(false);
    expect(legacyLinks(a)).toEqual([]);
  });

  it("puts a legacy message through the same structural check as every frame: a forbidden key or deep nesting is refused", async () => {
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY });
    const tests: unknown[] = [];
    a.on("test", (event) => tests.push(event));
    await sendOneShot(a.address!.port, legacyMessage("TEST", { constructor: { prototype: { polluted: true } } }, "stranger"));
    await sendOneShot(a.address!.port, legacyMessage("TEST", JSON.parse("[".repeat(200) + "]".repeat(200)), "stranger"));
    await sendOneShot(a.address!.port, legacyMessage("TEST", "after", "stranger"));
    await waitUntil(() => tests.length === 1, "the well-formed TEST");
    expect(tests).toMatchObject([{ msg: "after" }]);
    expect(statsOf(a).malformed).toBe(2);
    expect(nodes.logger.find("limits.maxJsonDepth")).toBeDefined();
  });
});

describe("the legacy inbound rate limit", () => {
  it("delivers at most burst + rate × elapsed one-shot BROADCASTs of a handshaken source, and drops (counts) the rest", async () => {
    const burst = 5;
    const rate = 2;
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY, limits: { legacyMessagesPerSecond: rate, legacyMessageBurst: burst } });
    const py = await recorder();
    const started = Date.now();
    await handshake(a, "py", py);
    const atA = texts(a);

    await sendMany(a.address!.port, 500, (i) => legacyMessage("BROADCAST", `flood ${i}`, "py"));
    const elapsedSeconds = (Date.now() - started) / 1000;

    const delivered = atA().filter((t) => t.startsWith("flood")).length;
    // The PING took one token too.
    expect(delivered).toBeLessThanOrEqual(burst - 1 + Math.ceil(rate * elapsedSeconds));
    expect(delivered).toBeGreaterThan(0);
    expect(statsOf(a).rateLimited).toBe(500 - delivered);
  });
});

describe("a legacy peer's address", () => {
  it("must be the source IP of its connection: a PING naming another host is refused, and nothing is sent there", async () => {
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY });
    const victim = await recorder();
    // "127.1" is another spelling of 127.0.0.1 (the test never leaves it): it stands for any host that is
    // not the sender's IP. On 9f3bddc the node binds "spoof" and PONGs (then ADVERTISE_REPLYs) the victim.
    await sendOneShot(a.address!.port, legacyMessage("PING", ["127.1", victim.port], "spoof"));
    expect(a.peers.has("spoof")).toBe(false);
    expect(legacyLinks(a)).toEqual([]);
    expect(statsOf(a).addressMismatch).toBe(1);
    expect(nodes.logger.find("must be the source IP of its connection", "warn")?.message).toBe("rejected a frame");

    // An honest handshake afterwards, as a marker: its PONG arrives; the victim got nothing.
    await handshake(a, "honest", await recorder());
    expect(victim.accepted).toBe(0);
  });

  it("is one peer: 20 ids claiming one address make one peer, one PONG, and one connection per chat line", async () => {
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY });
    const b = await nodes.start({ id: "b" });
    await b.join("127.0.0.1", a.address!.port);
    const victim = await recorder();
    for (let i = 0; i < 20; i++) await sendOneShot(a.address!.port, legacyMessage("PING", ["127.0.0.1", victim.port], `ghost-${i}`));

    expect(a.peers.list().filter((p) => p.port === victim.port).map((p) => p.id)).toEqual(["ghost-0"]);
    expect(statsOf(a).idConflict).toBe(19);
    const link = a.connections.connectionOf("ghost-0")!;
    b.broadcast({ text: "one line" });
    await waitUntil(() => victim.of("BROADCAST").length > 0 && link.stats().queuedBytes === 0, "the line at the victim, nothing in flight");
    expect(victim.of("BROADCAST")).toHaveLength(1);
    expect(victim.of("PONG")).toHaveLength(1);
  });

  it("gets at most one PONG per keepalive interval, however many PINGs it sends", async () => {
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY, keepalive: { intervalMs: 60_000, timeoutMs: 120_000 } });
    const victim = await recorder();
    for (let i = 0; i < 10; i++) await sendOneShot(a.address!.port, legacyMessage("PING", ["127.0.0.1", victim.port], "echo"));
    const link = a.connections.connectionOf("echo")!;
    await waitUntil(() => victim.of("PONG").length > 0 && link.stats().queuedBytes === 0, "a PONG, nothing in flight");
    expect(victim.of("PONG")).toHaveLength(1);
    expect(statsOf(a).pongsSuppressed).toBe(9);
  });
});

describe("legacy ADVERTISE", () => {
  async function nodeWithPeers(count: number, limits = {}): Promise<PeerNode> {
    // Every peer joins from 127.0.0.1: the per-address inbound cap is lifted for them.
    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY, limits: { maxInboundPeersPerAddress: 32, ...limits } });
    for (let i = 0; i < count; i++) await (await nodes.start({ id: `p${i}` })).join("127.0.0.1", a.address!.port);
    await waitUntil(() => a.peers.connectedCount() === count, "the peers to join");
    return a;
  }

  it("from a requester whose address is not its source IP: no peer list is sent anywhere", async () => {
    const a = await nodeWithPeers(10);
    const victim = await recorder();
    await sendOneShot(a.address!.port, legacyMessage("PING", ["127.1", victim.port], "spoof"));
    await sendOneShot(a.address!.port, legacyMessage("ADVERTISE", "", "spoof"));
    expect(legacyLinks(a)).toEqual([]);
    expect(statsOf(a)).toMatchObject({ addressMismatch: 1, notHandshaken: 1 });
    await handshake(a, "honest", await recorder());
    expect(victim.accepted).toBe(0);
  });

  it("from a handshaken peer: its replies are bounded by the link's sockets in flight and queue (the rest dropped, counted)", async () => {
    const a = await nodeWithPeers(10, { legacySocketsPerLink: 2, legacyQueueSize: 3 });
    const requester = await recorder();
    await handshake(a, "adv", requester);
    const link = a.connections.connectionOf("adv")!;
    await waitUntil(() => requester.of("PONG").length === 1 && link.stats().queuedBytes === 0, "the PONG, nothing in flight");

    await sendOneShot(a.address!.port, legacyMessage("ADVERTISE", "", "adv"));
    await waitUntil(() => requester.of("ADVERTISE_REPLY").length > 0 && link.stats().queuedBytes === 0, "the replies, nothing in flight");
    expect(requester.of("ADVERTISE_REPLY")).toHaveLength(5);
    expect(link.stats().dropped).toBe(5);
  });
});
