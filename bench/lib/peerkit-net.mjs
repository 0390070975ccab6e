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
 * `signedFrames()`: how many BROADCAST frames received so far carried a signature.
 */
export function peerkitAdapter({ plugins = ["ping", "broadcast"], broadcast, security } = {}) {
  const { limits, notes } = networkLimits();
  const nodes = [];
  let deliver = () => {};
  let frame = () => {};
  let control = () => {};
  let signed = 0;
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
        node.on("broadcast", (event) => deliver(i, event.msg));
        node.on("message", (envelope) => {
          if (envelope.msg_type === "BROADCAST") {
            if (envelope.signature !== undefined) signed++;
            frame(i);
          } else if (CONTROL_TYPES.has(envelope.msg_type)) control(i, envelope.msg_type);
        });
        await node.start();
        nodes.push(node);
      }
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
    onFrame(cb) {
      frame = cb;
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
