// The broadcast workload's adapter for js-libp2p + gossipsub over TCP, with noise and yamux as they
// ship, and identify (which gossipsub needs to learn that a peer speaks its protocol). N nodes in this
// process; no peer discovery, so the only connections are the benchmark topology's.
import "./shim.mjs";
import { gossipsub } from "@chainsafe/libp2p-gossipsub";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";

const TOPIC = "bench";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function libp2pAdapter() {
  const nodes = [];
  let deliver = () => {};
  let frame = () => {};
  return {
    notes: ["js-libp2p 2.9.0, @chainsafe/libp2p-gossipsub 14.1.2 (defaults: D=6, floodPublish), noise 16.1.5, yamux 7.0.4, tcp 10.1.9, identify 3.0.9"],
    async start(n) {
      for (let i = 0; i < n; i++) {
        const node = await createLibp2p({
          addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
          // Every dial comes from 127.0.0.1: lift the per-host inbound rate limit (default 5 per second)
          // and the pending-connection limits, which would otherwise reset the topology's dials.
          connectionManager: { inboundConnectionThreshold: 1e6, maxIncomingPendingConnections: 1e4, maxParallelDials: 1e4, maxConnections: 1e4 },
          transports: [tcp()],
          connectionEncrypters: [noise()],
          streamMuxers: [yamux()],
          services: {
            identify: identify(),
            pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true }),
          },
        });
        const pubsub = node.services.pubsub;
        pubsub.addEventListener("message", (event) => {
          if (event.detail.topic === TOPIC) deliver(i, JSON.parse(decoder.decode(event.detail.data)));
        });
        // Copies received (duplicates included): every message of every RPC this node receives.
        const handleReceivedRpc = pubsub.handleReceivedRpc.bind(pubsub);
        pubsub.handleReceivedRpc = (from, rpc) => {
          for (const message of rpc.messages) if (message.topic === TOPIC) frame(i);
          return handleReceivedRpc(from, rpc);
        };
        nodes.push(node);
      }
    },
    async connect(edges) {
      // One dial at a time: with all dials in flight at once, some nodes ended up with no gossipsub
      // stream (and an empty mesh) on this machine. Connection setup is not part of any figure.
      for (const [a, b] of edges) await nodes[a].dial(nodes[b].getMultiaddrs()[0]);
      // Subscribing once every connection is up (not at start) lets each mesh form from the whole
      // neighbourhood at the next heartbeat.
      for (const node of nodes) node.services.pubsub.subscribe(TOPIC);
    },
    degree(i) {
      return nodes[i].services.pubsub.getSubscribers(TOPIC).length;
    },
    // Wait for the gossipsub meshes: every node grafted min(degree, Dlo = 4) peers, then one heartbeat more.
    async ready() {
      const deadline = Date.now() + 5_000;
      for (const node of nodes) {
        const want = Math.min(node.services.pubsub.getSubscribers(TOPIC).length, 4);
        while (node.services.pubsub.getMeshPeers(TOPIC).length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_100));
    },
    broadcast(i, msg) {
      return nodes[i].services.pubsub.publish(TOPIC, encoder.encode(JSON.stringify(msg)));
    },
    onDeliver(cb) {
      deliver = cb;
    },
    onFrame(cb) {
      frame = cb;
    },
    async shutdown() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
