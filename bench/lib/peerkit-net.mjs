// The broadcast workload's adapter for peerkit: N nodes in this process, public API only.
import "reflect-metadata";
import { peerkit } from "./peerkit.mjs";

const { DEFAULT_LIMITS, createNode, silentLogger } = peerkit;
import { benchLimits } from "./common.mjs";

/** peerkit limits for the network benchmarks; `notes` says which throttles were raised. */
export function networkLimits() {
  return benchLimits(DEFAULT_LIMITS, {
    maxPeers: 64, // the random topology's busiest node may have more than the default 32 peers
    seenCacheSize: 65_536, // a burst of 10,000 plus samples must not evict ids still in flight
    // Every node is on 127.0.0.1, and they connect at once: the per-address and inbound caps that
    // protect a node on a real network would refuse a local topology's busiest nodes.
    maxInboundPeers: 64,
    maxInboundPeersPerAddress: 64,
    maxPendingConnections: 256,
    maxPendingPerAddress: 256,
  });
}

/** The tree-mode messages of the broadcast plugin, counted apart from BROADCAST copies. */
const CONTROL_TYPES = new Set(["PRUNE", "IHAVE", "GRAFT"]);

/**
 * `broadcast`: the config's `broadcast` section (e.g. `{ mode: "tree" }`); omitted, the node's default
 * (flood). `security`: the config's (`"tls"`, protocol v2, or `"none"`, --insecure); omitted, the
 * node's default. `onControl(cb(i, type))` counts the tree-mode messages (PRUNE, IHAVE, GRAFT) node i
 * receives; `kill(i)` shuts node i down at once (its peers only see its connections close).
 * `signedFrames()`: how many BROADCASTs delivered so far carried a signature. `frameCount()`: the frames
 * every node received so far (duplicates included), read from the connections' counters.
 */
export function peerkitAdapter({ plugins = ["ping", "broadcast"], broadcast, security } = {}) {
  const { limits, notes } = networkLimits();
  const nodes = [];
  let deliver = () => {};
  let frame = () => {};
  let control = () => {};
  let signed = 0;
  let countEachFrame = false;
  const listenToFrames = (node, i) =>
    node.on("message", (envelope) => {
      if (envelope.msg_type === "BROADCAST") frame(i);
      else if (CONTROL_TYPES.has(envelope.msg_type)) control(i, envelope.msg_type);
    });
  return {
    notes: [
      `plugins: ${plugins.join(", ")}`,
      ...(broadcast ? [`broadcast: ${JSON.stringify(broadcast)}`] : []),
      ...(security ? [`security: ${security}`] : []),
      ...notes,
    ],
    signedFrames: () => signed,
    async start(n) {
      for (let i = 0; i < n; i++) {
        const config = { host: "127.0.0.1", port: 0, plugins, limits, ...(broadcast ? { broadcast } : {}), ...(security ? { security } : {}) };
        const node = await createNode(config, { logger: silentLogger });
        node.on("broadcast", (event) => {
          if (event.envelope.signature !== undefined) signed++;
          deliver(i, event.msg);
        });
        if (countEachFrame) listenToFrames(node, i);
        await node.start();
        nodes.push(node);
      }
    },
    // Frames received by every node so far, from the connections' counters: no `message` listener, which
    // would make the nodes parse every duplicate in full (Handlers.known) and so measure another node.
    // In tree mode the counters would mix PRUNE, IHAVE and GRAFT into the copies: counted per frame there.
    frameCount:
      broadcast?.mode === "tree"
        ? undefined
        : () => {
            let count = 0;
            for (const node of nodes) for (const connection of node.connections.connections()) count += connection.stats().framesIn;
            return count;
          },
    async connect(edges) {
      await Promise.all(edges.map(([a, b]) => nodes[a].join("127.0.0.1", nodes[b].address.port)));
    },
    degree(i) {
      return nodes[i].connections.peerIds().length;
    },
    broadcast(i, msg) {
      nodes[i].broadcast(msg);
    },
    onDeliver(cb) {
      deliver = cb;
    },
    // Per frame and node (the node-loss driver's count): a `message` listener on every node, from now on.
    onFrame(cb) {
      frame = cb;
      if (!countEachFrame) nodes.forEach(listenToFrames);
      countEachFrame = true;
    },
    onControl(cb) {
      control = cb;
    },
    kill(i) {
      return nodes[i].shutdown();
    },
    async shutdown() {
      await Promise.all(nodes.map((node) => node.shutdown()));
    },
  };
}
