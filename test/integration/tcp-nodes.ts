// Helpers for integration tests: real nodes on 127.0.0.1 with port 0, and waiting on their events.
import { createNode, type NodeOverrides } from "../../src/node/create-node.js";
import type { NodeConfigInput } from "../../src/kernel/config.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { MemoryLogger } from "../../src/testing/index.js";

/** Nodes made by a test, shut down together in afterEach. */
export class TcpNodes {
  readonly nodes: PeerNode[] = [];
  readonly logger = new MemoryLogger();

  /**
   * Creates and starts a node on 127.0.0.1, port 0. A config that chooses an `id` is a protocol-v1 test
   * and runs with `security: "none"` unless it says otherwise; any other node is secure, the default.
   * `overrides.identity` gives a secure node a key the test holds (to sign frames as that node).
   */
  async start(config: NodeConfigInput = {}, overrides: Pick<NodeOverrides, "identity"> = {}): Promise<PeerNode> {
    const security = config.security ?? (config.id !== undefined ? "none" : "tls");
    const node = await createNode({ host: "127.0.0.1", port: 0, ...config, security }, { ...overrides, logger: this.logger });
    this.nodes.push(node);
    await node.start();
    return node;
  }

  /** Shuts every node down. */
  async shutdown(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((node) => node.shutdown()));
  }
}

/** Polls `condition` until it holds, or fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
