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
  });
}

export function peerkitAdapter({ plugins = ["ping", "broadcast"] } = {}) {
  const { limits, notes } = networkLimits();
  const nodes = [];
  let deliver = () => {};
  let frame = () => {};
  return {
    notes: [`plugins: ${plugins.join(", ")}`, ...notes],
    async start(n) {
      for (let i = 0; i < n; i++) {
        const node = await createNode({ host: "127.0.0.1", port: 0, plugins, limits }, { logger: silentLogger });
        node.on("broadcast", (event) => deliver(i, event.msg));
        node.on("message", (envelope) => {
          if (envelope.msg_type === "BROADCAST") frame(i);
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
    async shutdown() {
      await Promise.all(nodes.map((node) => node.shutdown()));
    },
  };
}
