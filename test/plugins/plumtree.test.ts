// The broadcast plugin's tree mode (Plumtree), driven through fake peers and a fake clock: no socket,
// no sleep. A fake peer "speaks tree mode" once it sent an IHAVE (as a tree node's greeting does).
// Eager and lazy are per originator ("root"): a fake peer's BROADCAST has that peer as originator
// unless the test says otherwise.
import { afterEach, describe, expect, it } from "vitest";
import type { NodeConfigInput } from "../../src/kernel/config.js";
import type { BroadcastSettings } from "../../src/plugins/broadcast-settings.js";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import { MAX_TREES, TreeLinks } from "../../src/plugins/plumtree-links.js";
import { MessageStore } from "../../src/plugins/plumtree-store.js";
import { type FakePeer, PluginHarness } from "../../src/testing/index.js";

let harness: PluginHarness;
afterEach(() => harness?.shutdown());

const IHAVE_MS = 50;
const GRAFT_MS = 500;
const RETRY_MS = 250;

async function treeNode(ids: string[], broadcast: Partial<BroadcastSettings> = {}, config: NodeConfigInput = {}) {
  harness = await PluginHarness.create({
    plugins: [BroadcastPlugin],
    config: {
      limits: { maxHops: 8 },
      broadcast: { mode: "tree", ihaveIntervalMs: IHAVE_MS, graftTimeoutMs: GRAFT_MS, graftRetryMs: RETRY_MS, ...broadcast },
      ...config,
    },
  });
  const delivered: BroadcastEvent[] = [];
  harness.node.on("broadcast", (event) => delivered.push(event));
  const peers: FakePeer[] = [];
  for (const id of ids) peers.push(await harness.connectPeer(id));
  const plugin = harness.node.plugin<BroadcastPlugin>("broadcast")!;
  return { delivered, peers, plugin, tree: () => plugin.tree! };
}

/** The peers greet the node as tree nodes do (an empty IHAVE), and the node's own greetings are flushed. */
async function greet(...peers: FakePeer[]): Promise<void> {
  for (const peer of peers) peer.deliver("IHAVE", { ids: [] });
  harness.fakeClock.advance(IHAVE_MS);
  await harness.settle();
}

/** The ids of the non-empty IHAVEs a peer received, one list per IHAVE. */
function announced(peer: FakePeer): string[][] {
  return peer
    .receivedOf("IHAVE")
    .map((e) => (e.msg as { ids: string[] }).ids)
    .filter((ids) => ids.length > 0);
}

describe("broadcast plugin, tree mode: links", () => {
  it("handles PRUNE, IHAVE and GRAFT only while it runs", async () => {
    await treeNode([]);
    expect(harness.node.dispatcher.types()).toEqual(["BROADCAST", "GRAFT", "IHAVE", "PRUNE"]);
    await harness.shutdown();
    expect(harness.node.dispatcher.types()).toEqual([]);
  });

  it("greets each new peer with an empty IHAVE at the first flush, so tree peers recognise each other", async () => {
    const { peers } = await treeNode(["a", "b"]);
    for (const peer of peers) expect(peer.receivedOf("IHAVE")).toHaveLength(0);
    harness.fakeClock.advance(IHAVE_MS);
    await harness.settle();
    for (const peer of peers) expect(peer.receivedOf("IHAVE")).toMatchObject([{ msg: { ids: [] }, originator: "node-under-test" }]);
  });

  it("starts with every peer eager and forwards a new BROADCAST in full to each but the sender", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    expect(tree().eagerPeers("a")).toEqual(["a", "b", "c"]);
    a!.deliver("BROADCAST", { text: "hi" }, { id: "m1", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["m1"]);
    expect(a!.receivedOf("BROADCAST")).toHaveLength(0);
    for (const peer of [b!, c!]) expect(peer.receivedOf("BROADCAST")).toMatchObject([{ id: "m1", ttl: 4, originator: "a", msg: { text: "hi" } }]);
  });

  it("announces new ids to lazy peers in one batched IHAVE per flush interval, not to the sender", async () => {
    const { peers, tree } = await treeNode(["a", "b", "c", "d"]);
    const [a, b, c, d] = peers;
    await greet(a!, b!, c!, d!);
    c!.deliver("PRUNE", { root: "a" });
    d!.deliver("PRUNE", { root: "a" });
    await harness.settle();
    expect(tree().lazyPeers("a")).toEqual(["c", "d"]);
    for (const id of ["m1", "m2", "m3"]) a!.deliver("BROADCAST", "x", { id, ttl: 5 });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2", "m3"]);
    for (const peer of [c!, d!]) {
      expect(peer.receivedOf("BROADCAST")).toHaveLength(0);
      expect(announced(peer)).toEqual([]);
    }
    harness.fakeClock.advance(IHAVE_MS - 1);
    await harness.settle();
    expect(announced(c!)).toEqual([]);
    harness.fakeClock.advance(1);
    await harness.settle();
    for (const peer of [c!, d!]) expect(announced(peer)).toEqual([["m1", "m2", "m3"]]);
    expect(announced(a!)).toEqual([]);
  });

  it("sends a batch at once when it reaches broadcast.ihaveMaxIds", async () => {
    const { peers } = await treeNode(["a", "b"], { ihaveMaxIds: 2 });
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("PRUNE", { root: "a" });
    for (const id of ["m1", "m2", "m3"]) a!.deliver("BROADCAST", "x", { id, ttl: 5 });
    await harness.settle();
    expect(announced(b!)).toEqual([["m1", "m2"]]);
    harness.fakeClock.advance(IHAVE_MS);
    await harness.settle();
    expect(announced(b!)).toEqual([["m1", "m2"], ["m3"]]);
  });

  it("node.broadcast() pushes to the eager peers and announces to the lazy ones", async () => {
    const { delivered, peers } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("PRUNE", { root: "node-under-test" });
    await harness.settle();
    const id = harness.node.broadcast({ text: "hello" });
    await harness.settle();
    harness.fakeClock.advance(IHAVE_MS);
    await harness.settle();
    expect(a!.receivedOf("BROADCAST")).toMatchObject([{ id, ttl: 8, originator: "node-under-test" }]);
    expect(b!.receivedOf("BROADCAST")).toHaveLength(0);
    expect(announced(b!)).toEqual([[id]]);
    expect(delivered).toHaveLength(0);
  });

  it("delivers but neither forwards nor announces a BROADCAST whose ttl is used up", async () => {
    const { delivered, peers } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    await greet(a!, b!, c!);
    c!.deliver("PRUNE", { root: "a" });
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 1 });
    await harness.settle();
    harness.fakeClock.advance(IHAVE_MS);
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(b!.receivedOf("BROADCAST")).toHaveLength(0);
    expect(announced(c!)).toEqual([]);
  });
});

describe("broadcast plugin, tree mode: pruning", () => {
  it("answers a duplicate BROADCAST with PRUNE { root } to its sender, once, and delivers once", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    await greet(a!, b!, c!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(b!.receivedOf("PRUNE")).toMatchObject([{ msg: { root: "a" }, originator: "node-under-test" }]);
    expect(a!.receivedOf("PRUNE")).toHaveLength(0);
    expect(tree().cutPeers("a")).toEqual(["b"]);
    // b's copies already in flight prune nothing more.
    a!.deliver("BROADCAST", "y", { id: "m2", ttl: 5 });
    b!.deliver("BROADCAST", "y", { id: "m2", ttl: 5, originator: "a" });
    await harness.settle();
    expect(b!.receivedOf("PRUNE")).toHaveLength(1);
  });

  it("keeps pushing to a peer it pruned until that peer prunes it in turn: each end decides what it receives", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    a!.deliver("BROADCAST", "y", { id: "m2", ttl: 5 });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2"]);
    b!.deliver("PRUNE", { root: "a" });
    a!.deliver("BROADCAST", "z", { id: "m3", ttl: 5 });
    await harness.settle();
    harness.fakeClock.advance(IHAVE_MS);
    await harness.settle();
    expect(b!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2"]);
    expect(announced(b!)).toEqual([["m3"]]);
    expect(tree().lazyPeers("a")).toEqual(["b"]);
  });

  it("prunes nothing when the first copy came in on a link it had pruned (a copy still in flight)", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    b!.deliver("BROADCAST", "y", { id: "m2", ttl: 5, originator: "a" });
    a!.deliver("BROADCAST", "y", { id: "m2", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["m1", "m2"]);
    expect(a!.receivedOf("PRUNE")).toHaveLength(0);
    expect(tree().cutPeers("a")).toEqual(["b"]);
  });

  it("prunes the link that echoes the node's own broadcast back", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    const id = harness.node.broadcast("mine");
    a!.deliver("BROADCAST", "mine", { id, ttl: 7, originator: "node-under-test" });
    await harness.settle();
    expect(delivered).toHaveLength(0);
    expect(a!.receivedOf("PRUNE")).toMatchObject([{ msg: { root: "node-under-test" } }]);
    expect(tree().cutPeers("node-under-test")).toEqual(["a"]);
  });

  it("makes a peer lazy in one originator's tree when it sends PRUNE { root }, and only there", async () => {
    const { peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    b!.deliver("PRUNE", { root: "a" });
    a!.deliver("BROADCAST", "from a", { id: "m1", ttl: 5 });
    c!.deliver("BROADCAST", "from c", { id: "m2", ttl: 5 });
    await harness.settle();
    expect(tree().eagerPeers("a")).toEqual(["a", "c"]);
    expect(tree().lazyPeers("a")).toEqual(["b"]);
    expect(tree().eagerPeers("c")).toEqual(["a", "b", "c"]);
    expect(b!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m2"]);
  });

  it("prunes only the originator's tree on a duplicate: other originators' messages still flow on that link", async () => {
    const { peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    await greet(a!, b!, c!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    c!.deliver("BROADCAST", "y", { id: "m2", ttl: 5 });
    await harness.settle();
    expect(tree().cutPeers("a")).toEqual(["b"]);
    expect(tree().cutPeers("c")).toEqual([]);
    expect(b!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2"]);
  });

  it("makes a peer lazy in every tree, later ones included, when it sends PRUNE {}", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    peers[0]!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    peers[1]!.deliver("PRUNE", {});
    await harness.settle();
    expect(tree().lazyPeers("a")).toEqual(["b"]);
    expect(tree().lazyPeers("someone-new")).toEqual(["b"]);
    expect(tree().eagerPeers("someone-new")).toEqual(["a"]);
  });

  it("keeps a peer that never spoke tree mode (a flood node) eager, and sends it no PRUNE", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "flood"]);
    const [a, flood] = peers;
    await greet(a!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    flood!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    a!.deliver("BROADCAST", "y", { id: "m2", ttl: 5 });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["m1", "m2"]);
    expect(flood!.receivedOf("PRUNE")).toHaveLength(0);
    expect(tree().eagerPeers("a")).toEqual(["a", "flood"]);
    expect(flood!.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2"]);
  });

  it("restores a pruned link when it answers a GRAFT", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("BROADCAST", "x", { id: "m1", ttl: 5, originator: "a" });
    b!.deliver("IHAVE", { ids: ["m2"] });
    await harness.settle();
    expect(tree().cutPeers("a")).toEqual(["b"]);
    harness.fakeClock.advance(GRAFT_MS);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toMatchObject([{ msg: { ids: ["m2"] } }]);
    b!.deliver("BROADCAST", "y", { id: "m2", ttl: 5, originator: "a" });
    await harness.settle();
    expect(tree().cutPeers("a")).toEqual([]);
  });
});

describe("broadcast plugin, tree mode: repair", () => {
  it("GRAFTs a message announced but not received from the first announcer after graftTimeoutMs, then the next after graftRetryMs", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    await greet(a!, b!, c!);
    b!.deliver("IHAVE", { ids: ["x"] });
    c!.deliver("IHAVE", { ids: ["x"] });
    await harness.settle();
    expect(tree().missingIds()).toEqual(new Map([["x", ["b", "c"]]]));
    harness.fakeClock.advance(GRAFT_MS - 1);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toHaveLength(0);
    harness.fakeClock.advance(1);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toMatchObject([{ msg: { ids: ["x"] }, originator: "node-under-test" }]);
    expect(tree().missingIds()).toEqual(new Map([["x", ["c"]]]));
    expect(c!.receivedOf("GRAFT")).toHaveLength(0);
    harness.fakeClock.advance(RETRY_MS - 1);
    await harness.settle();
    expect(c!.receivedOf("GRAFT")).toHaveLength(0);
    harness.fakeClock.advance(1);
    await harness.settle();
    expect(c!.receivedOf("GRAFT")).toMatchObject([{ msg: { ids: ["x"] } }]);
    c!.deliver("BROADCAST", "late", { id: "x", ttl: 5, originator: "far" });
    await harness.settle();
    expect(delivered.map((e) => e.id)).toEqual(["x"]);
    expect(tree().missingIds().size).toBe(0);
    expect(tree().cutPeers("far")).toEqual([]);
    harness.fakeClock.advance(10 * GRAFT_MS);
    await harness.settle();
    expect([...a!.receivedOf("GRAFT"), ...b!.receivedOf("GRAFT"), ...c!.receivedOf("GRAFT")]).toHaveLength(2);
  });

  it("asks one announcer for every missing message it announced in one GRAFT", async () => {
    const { peers } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("IHAVE", { ids: ["x1", "x2"] });
    await harness.settle();
    b!.deliver("IHAVE", { ids: ["x3"] });
    a!.deliver("IHAVE", { ids: ["x2"] });
    await harness.settle();
    harness.fakeClock.advance(GRAFT_MS);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toMatchObject([{ msg: { ids: ["x1", "x2", "x3"] } }]);
    expect(a!.receivedOf("GRAFT")).toHaveLength(0);
    harness.fakeClock.advance(RETRY_MS);
    await harness.settle();
    expect(a!.receivedOf("GRAFT")).toMatchObject([{ msg: { ids: ["x2"] } }]);
  });

  it("does not prune a link for the late answer to its own GRAFT", async () => {
    const { delivered, peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("IHAVE", { ids: ["x"] });
    await harness.settle();
    harness.fakeClock.advance(GRAFT_MS);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toHaveLength(1);
    a!.deliver("BROADCAST", "x", { id: "x", ttl: 5, originator: "far" });
    b!.deliver("BROADCAST", "x", { id: "x", ttl: 5, originator: "far" });
    await harness.settle();
    expect(delivered).toHaveLength(1);
    expect(b!.receivedOf("PRUNE")).toHaveLength(0);
    expect(tree().cutPeers("far")).toEqual([]);
  });

  it("sends no GRAFT when the message arrives before the timer runs out", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("IHAVE", { ids: ["m1"] });
    await harness.settle();
    expect([...tree().missingIds().keys()]).toEqual(["m1"]);
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    await harness.settle();
    harness.fakeClock.advance(2 * GRAFT_MS);
    await harness.settle();
    expect(b!.receivedOf("GRAFT")).toHaveLength(0);
    expect(tree().missingIds().size).toBe(0);
  });

  it("ignores IHAVE for ids it already has", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    b!.deliver("IHAVE", { ids: ["m1"] });
    await harness.settle();
    expect(tree().missingIds().size).toBe(0);
  });

  it("answers GRAFT with the held message, ttl as forwarded, and makes the grafting peer eager", async () => {
    const { peers, tree } = await treeNode(["a", "b"]);
    const [a, b] = peers;
    await greet(a!, b!);
    b!.deliver("PRUNE", { root: "a" });
    a!.deliver("BROADCAST", { text: "hi" }, { id: "m1", ttl: 5 });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST")).toHaveLength(0);
    b!.deliver("GRAFT", { ids: ["m1", "unknown"] });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST")).toMatchObject([{ id: "m1", ttl: 4, originator: "a", msg: { text: "hi" } }]);
    expect(tree().eagerPeers("a")).toEqual(["a", "b"]);
  });

  it("removes a peer that went down from both sets, its pending IHAVE and the announcers", async () => {
    const { peers, tree } = await treeNode(["a", "b", "c"]);
    const [a, b, c] = peers;
    await greet(a!, b!, c!);
    b!.deliver("PRUNE", { root: "a" });
    c!.deliver("IHAVE", { ids: ["x"] });
    a!.deliver("BROADCAST", "y", { id: "m1", ttl: 5 });
    await harness.settle();
    expect(tree().missingIds()).toEqual(new Map([["x", ["c"]]]));
    c!.close();
    b!.close();
    await harness.settle();
    expect(tree().eagerPeers("a")).toEqual(["a"]);
    expect(tree().lazyPeers("a")).toEqual([]);
    expect(tree().missingIds()).toEqual(new Map([["x", []]]));
    harness.fakeClock.advance(GRAFT_MS + IHAVE_MS);
    await harness.settle();
    expect(tree().missingIds().size).toBe(0);
    expect(a!.receivedOf("GRAFT")).toHaveLength(0);
    expect(announced(b!)).toEqual([]);
  });

  it("keeps at most broadcast.storeSize messages for GRAFT, the newest", async () => {
    const { peers, tree } = await treeNode(["a", "b"], { storeSize: 2 });
    const [a, b] = peers;
    for (const id of ["m1", "m2", "m3"]) a!.deliver("BROADCAST", id, { id, ttl: 5 });
    await harness.settle();
    expect(tree().storedCount).toBe(2);
    const before = b!.receivedOf("BROADCAST").length;
    b!.deliver("GRAFT", { ids: ["m1", "m2", "m3"] });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST").slice(before).map((e) => e.id)).toEqual(["m2", "m3"]);
  });

  it("forgets a message for GRAFT after broadcast.storeTtlMs", async () => {
    const { peers } = await treeNode(["a", "b"], { storeTtlMs: 1_000 });
    const [a, b] = peers;
    a!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    await harness.settle();
    harness.fakeClock.advance(1_000);
    const before = b!.receivedOf("BROADCAST").length;
    b!.deliver("GRAFT", { ids: ["m1"] });
    await harness.settle();
    expect(b!.receivedOf("BROADCAST")).toHaveLength(before);
  });

  it("bounds the missing ids it waits for by broadcast.storeSize", async () => {
    const { peers, tree } = await treeNode(["a"], { storeSize: 3 });
    peers[0]!.deliver("IHAVE", { ids: ["x1", "x2", "x3", "x4", "x5"] });
    await harness.settle();
    expect([...tree().missingIds().keys()]).toEqual(["x1", "x2", "x3"]);
  });

  it("clears every timer when the node shuts down", async () => {
    const { peers } = await treeNode(["a", "b"]);
    peers[1]!.deliver("IHAVE", { ids: ["x"] });
    peers[0]!.deliver("BROADCAST", "x", { id: "m1", ttl: 5 });
    await harness.settle();
    await harness.shutdown();
    expect(harness.fakeClock.pending).toBe(0);
  });
});

describe("broadcast plugin, tree mode: malformed and misplaced messages", () => {
  it.each([
    ["IHAVE", "no ids", {}],
    ["IHAVE", "ids not an array", { ids: "m1" }],
    ["IHAVE", "a number among the ids", { ids: ["m1", 2] }],
    ["IHAVE", "an empty id", { ids: [""] }],
    ["IHAVE", "too many ids", { ids: Array.from({ length: 1025 }, (_, i) => `m${i}`) }],
    ["IHAVE", "an id too long", { ids: ["x".repeat(257)] }],
    ["GRAFT", "no ids", { ids: [] }],
    ["GRAFT", "not an object", ["m1"]],
    ["PRUNE", "not an object", "prune"],
    ["PRUNE", "a root that is not a peer id", { root: 5 }],
  ])("rejects %s with %s", async (type, _what, msg) => {
    const { peers, tree } = await treeNode(["a"]);
    peers[0]!.deliver(type, msg);
    await harness.settle();
    expect(harness.logger.find(`${type} payload: expected`)).toBeDefined();
    expect(tree().missingIds().size).toBe(0);
    expect(tree().eagerPeers("a")).toEqual(["a"]);
    expect(tree().treeCount).toBe(0);
  });

  it("refuses IHAVE, GRAFT and PRUNE from a connection without handshake", async () => {
    const { tree } = await treeNode([]);
    const stranger = await harness.connectPeer("stranger", { handshake: false });
    stranger.deliver("IHAVE", { ids: ["x"] });
    stranger.deliver("GRAFT", { ids: ["x"] });
    stranger.deliver("PRUNE", {});
    await harness.settle();
    for (const type of ["IHAVE", "GRAFT", "PRUNE"]) expect(harness.logger.find(`${type} before the handshake`)).toBeDefined();
    expect(tree().missingIds().size).toBe(0);
  });
});

describe("broadcast plugin, flood mode (the default) and the tree messages", () => {
  it("does not know IHAVE, GRAFT and PRUNE: ignores them as unknown types (debug log), and sends none of them", async () => {
    harness = await PluginHarness.create({ plugins: [BroadcastPlugin] });
    const a = await harness.connectPeer("a");
    const b = await harness.connectPeer("b");
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.tree).toBeUndefined();
    b.deliver("IHAVE", { ids: ["x"] });
    b.deliver("PRUNE", {});
    b.deliver("GRAFT", { ids: ["x"] });
    a.deliver("BROADCAST", "m", { id: "m1", ttl: 5 });
    b.deliver("BROADCAST", "m", { id: "m1", ttl: 5, originator: "a" });
    a.deliver("BROADCAST", "m", { id: "m2", ttl: 5 });
    await harness.settle();
    harness.fakeClock.advance(10 * GRAFT_MS);
    await harness.settle();
    expect(harness.node.dispatcher.types()).toEqual(["BROADCAST"]);
    expect(harness.logger.messages("debug").filter((m) => m.includes("ignored message of unknown type")).map((m) => /type=(\w+)/.exec(m)?.[1])).toEqual([
      "IHAVE",
      "PRUNE",
      "GRAFT",
    ]);
    for (const peer of [a, b]) for (const type of ["IHAVE", "GRAFT", "PRUNE"]) expect(peer.receivedOf(type)).toHaveLength(0);
    // Flooded as always: the duplicate from b did not stop m2 going to b.
    expect(b.receivedOf("BROADCAST").map((e) => e.id)).toEqual(["m1", "m2"]);
  });
});

describe("MessageStore", () => {
  it("evicts the oldest beyond its capacity and expired entries on add", () => {
    const store = new MessageStore(2, 100);
    const env = (id: string) => ({ msg_type: "BROADCAST", msg: id, originator: "o", time: 0, id });
    store.add("a", env("a"), 0);
    store.add("b", env("b"), 50);
    store.add("c", env("c"), 60);
    expect(store.size).toBe(2);
    expect(store.get("a", 60)).toBeUndefined();
    expect(store.get("b", 60)?.id).toBe("b");
    store.add("d", env("d"), 155);
    expect(store.size).toBe(2);
    expect(store.get("b", 155)).toBeUndefined();
    expect(store.get("c", 155)?.id).toBe("c");
    expect(store.get("c", 160)).toBeUndefined();
  });
});

describe("TreeLinks", () => {
  it("keeps at most MAX_TREES originators' trees, dropping the least recently used", () => {
    const links = new TreeLinks();
    links.add("p");
    for (let i = 0; i <= MAX_TREES; i++) links.makeLazy(`root-${i}`, "p");
    expect(links.size).toBe(MAX_TREES);
    expect(links.peek("root-0")).toEqual({ eager: ["p"], lazy: [], pruned: [] }); // dropped: starts over, eager
    expect(links.peek(`root-${MAX_TREES}`)).toEqual({ eager: [], lazy: ["p"], pruned: [] });
  });
});
