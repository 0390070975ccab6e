// The broadcast plugin's tree mode (Plumtree) on real nodes over TCP on 127.0.0.1: a seeded random
// 20-node network delivers every broadcast exactly once with about one copy per node, keeps doing so
// after three nodes vanish (the tree repairs itself through GRAFT), and shares a network with
// flood-mode nodes.
import { afterEach, describe, expect, it } from "vitest";
import type { NodeConfigInput } from "../../src/kernel/config.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import type { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

const TREE: NodeConfigInput = { plugins: ["ping", "broadcast"], broadcast: { mode: "tree" } };
const FLOOD: NodeConfigInput = { plugins: ["ping", "broadcast"], broadcast: { mode: "flood" } };
const WAIT_MS = 20_000;

/** Mulberry32: a small seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether the nodes not in `removed` are connected by `edges`. */
function connected(n: number, edges: ReadonlyArray<[number, number]>, removed: ReadonlySet<number> = new Set()): boolean {
  const live = [...Array(n).keys()].filter((i) => !removed.has(i));
  const seen = new Set([live[0]!]);
  const stack = [live[0]!];
  while (stack.length > 0) {
    const at = stack.pop()!;
    for (const [a, b] of edges) {
      const other = a === at ? b : b === at ? a : undefined;
      if (other !== undefined && !removed.has(other) && !seen.has(other)) (seen.add(other), stack.push(other));
    }
  }
  return seen.size === live.length;
}

/** Each node dials `dials` random others (degree about 2 × dials); retried with the next draws until connected. */
function randomTopology(n: number, dials: number, rand: () => number): Array<[number, number]> {
  for (;;) {
    const edges: Array<[number, number]> = [];
    const linked = new Set<string>();
    for (let i = 0; i < n; i++) {
      for (let made = 0; made < dials; ) {
        const j = Math.floor(rand() * n);
        const key = i < j ? `${i}-${j}` : `${j}-${i}`;
        if (j === i || linked.has(key)) continue;
        linked.add(key);
        edges.push([i, j]);
        made++;
      }
    }
    if (connected(n, edges)) return edges;
  }
}

/** A network of started, linked nodes, with every delivery and every BROADCAST frame counted per node. */
async function network(configs: NodeConfigInput[], edges: ReadonlyArray<[number, number]>) {
  const all: PeerNode[] = [];
  for (const [i, config] of configs.entries()) all.push(await nodes.start({ id: `n${String(i).padStart(2, "0")}`, ...config }));
  const deliveries = all.map(() => new Map<string, number>());
  const frames = all.map(() => 0);
  const control: Array<{ type: string; from: string; at: number }> = [];
  all.forEach((node, i) => {
    node.on("broadcast", (event) => deliveries[i]!.set(event.id, (deliveries[i]!.get(event.id) ?? 0) + 1));
    node.on("message", (envelope) => {
      if (envelope.msg_type === "BROADCAST") frames[i]!++;
      else if (["PRUNE", "IHAVE", "GRAFT"].includes(envelope.msg_type)) control.push({ type: envelope.msg_type, from: envelope.originator, at: i });
    });
  });
  await Promise.all(edges.map(([a, b]) => all[a]!.join("127.0.0.1", all[b]!.address!.port)));
  const degree = all.map((_, i) => edges.filter(([a, b]) => a === i || b === i).length);
  await waitUntil(() => all.every((node, i) => node.connections.peerIds().length === degree[i]), "every link to be up on both sides", WAIT_MS);
  return { all, deliveries, frames, control, degree };
}

describe("broadcast tree mode (Plumtree) over TCP", { timeout: 120_000 }, () => {
  it("delivers each broadcast once everywhere with at most 1.3 copies per node, and repairs the tree when 3 nodes vanish", async () => {
    const N = 20;
    const rand = prng(20261125);
    const edges = randomTopology(N, 3, rand);
    const { all, deliveries, frames, control, degree } = await network(Array.from({ length: N }, () => TREE), edges);
    expect(degree.reduce((a, b) => a + b, 0) / N).toBe(6);
    const live = new Set(all.keys());
    const tree = (i: number) => all[i]!.plugin<BroadcastPlugin>("broadcast")!.tree!;
    const quiet = () => [...live].every((i) => tree(i).missingIds().size === 0);

    /** Broadcasts from a random live node and waits until every other live node delivered it. */
    const broadcastOne = async (): Promise<{ id: string; from: number }> => {
      const live0 = [...live];
      const from = live0[Math.floor(rand() * live0.length)]!;
      const id = all[from]!.broadcast({ text: `from n${from}` });
      await waitUntil(() => [...live].every((i) => i === from || deliveries[i]!.has(id)), `broadcast ${id} from n${from} everywhere`, WAIT_MS);
      return { id, from };
    };

    // Warm-up: duplicates prune each originator's eager links down to a tree (about 3 messages each).
    for (let k = 0; k < 60; k++) await broadcastOne();
    await waitUntil(quiet, "no message left missing after the warm-up", WAIT_MS);

    const before = [...frames];
    const measured: Array<{ id: string; from: number }> = [];
    for (let k = 0; k < 200; k++) measured.push(await broadcastOne());
    await waitUntil(quiet, "no message left missing after the measured broadcasts", WAIT_MS);
    for (const i of live) for (const { id, from } of measured) expect(deliveries[i]!.get(id) ?? 0, `n${i} deliveries of ${id}`).toBe(i === from ? 0 : 1);
    const received = frames.reduce((sum, f, i) => sum + f - before[i]!, 0);
    const copiesPerNodePerMessage = received / (N - 1) / measured.length;
    expect(copiesPerNodePerMessage).toBeLessThanOrEqual(1.3);
    expect(copiesPerNodePerMessage).toBeGreaterThanOrEqual(1); // every receiver got at least its one copy

    // Three nodes vanish at once, drawn among the eight that pass messages on in the most trees (two
    // eager links or more there: a parent and a child), so the trees are cut in pieces; the network
    // itself stays connected (drawn again until it does).
    const roots = all.map((node) => node.id);
    const innerIn = (i: number) => roots.filter((root) => tree(i).eagerPeers(root).length >= 2).length;
    const inner = [...live].sort((x, y) => innerIn(y) - innerIn(x)).slice(0, 8);
    let victims = new Set<number>();
    for (let draws = 0; victims.size < 3 || !connected(N, edges, victims); draws++) {
      if (draws > 1_000) throw new Error("no 3 of the inner nodes leave the network connected");
      victims = new Set<number>();
      while (victims.size < 3) victims.add(inner[Math.floor(rand() * inner.length)]!);
    }
    const controlBefore = control.length;
    for (const i of victims) live.delete(i);
    await Promise.all([...victims].map((i) => all[i]!.shutdown()));
    await waitUntil(
      () => [...live].every((i) => all[i]!.connections.peerIds().every((peer) => ![...victims].some((v) => all[v]!.id === peer))),
      "the live nodes to notice the lost ones",
      WAIT_MS,
    );

    const after: Array<{ id: string; from: number }> = [];
    for (let k = 0; k < 30; k++) after.push(await broadcastOne());
    await waitUntil(quiet, "no message left missing after the loss", WAIT_MS);
    for (const i of live) {
      for (const { id, from } of after) expect(deliveries[i]!.get(id) ?? 0, `n${i} deliveries of ${id}`).toBe(i === from ? 0 : 1);
    }
    // The pieces were joined again by GRAFT.
    expect(control.slice(controlBefore).filter((c) => c.type === "GRAFT").length).toBeGreaterThan(0);
    for (const i of live) {
      for (const root of roots) {
        expect(tree(i).eagerPeers(root).length + tree(i).lazyPeers(root).length).toBe(all[i]!.connections.peerIds().length);
      }
    }
  });

  it("shares a network with flood-mode nodes: every node delivers every message once, and flood nodes send no tree messages", async () => {
    // A ring of 8 with chords, tree and flood nodes alternating.
    const configs = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? TREE : FLOOD));
    const edges: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0], [0, 4], [2, 6], [1, 5], [0, 2], [4, 6]];
    const { all, deliveries, control } = await network(configs, edges);
    const rand = prng(7);
    const sent: Array<{ id: string; from: number }> = [];
    for (let k = 0; k < 40; k++) {
      const from = Math.floor(rand() * all.length);
      const id = all[from]!.broadcast({ text: `from n${from}` });
      sent.push({ id, from });
      await waitUntil(() => all.every((_, i) => i === from || deliveries[i]!.has(id)), `broadcast ${id} everywhere`, WAIT_MS);
    }
    for (const [i, delivered] of deliveries.entries()) {
      for (const { id, from } of sent) expect(delivered.get(id) ?? 0, `n${i} deliveries of ${id}`).toBe(i === from ? 0 : 1);
    }
    const floodIds = new Set(all.filter((_, i) => configs[i] === FLOOD).map((node) => node.id));
    expect(control.filter((c) => floodIds.has(c.from))).toEqual([]);
    expect(control.some((c) => c.type === "PRUNE")).toBe(true); // the tree nodes did prune among themselves
  });
});
