/**
 * `PluginHarness`: a real node on an in-memory transport, plus fake remote peers that deliver frames to
 * it and record what it sends them. Unit-test a plugin with no socket and no sleep.
 */
import type { Clock } from "../base/clock.js";
import type { NodeConfigInput, PluginRef } from "../kernel/config.js";
import { createNode } from "../node/create-node.js";
import type { Envelope } from "../base/envelope.js";
import type { PeerInfo } from "../base/peer.js";
import type { PeerNode } from "../node/peer-node.js";
import { MemoryNetwork, MemoryTransport, type MemoryConnection } from "../transport/memory-transport.js";
import type { Connection } from "../transport/transport.js";
import { FakeClock } from "./fake-clock.js";
import { FakePeer } from "./fake-peer.js";
import { ephemeralIdentity, type Identity } from "../secure/identity.js";
import { MemoryLogger } from "./memory-logger.js";

/** Options of `PluginHarness.create`. */
export interface HarnessOptions {
  /** The plugins of the node under test: classes, built-in names or module specifiers. */
  plugins: PluginRef[];
  /** Any other config fields (id defaults to `node-under-test`). */
  config?: NodeConfigInput;
  /** The node's clock; default a `FakeClock`, moved only by `harness.clock.advance(ms)`. */
  clock?: Clock;
  /**
   * Run the node under test as a secure node (protocol v2): it gets a key pair and a key-derived id,
   * every fake peer gets its own key pair (`FakePeer.identity`), and messages are signed
   * (`FakePeer.deliverSigned`). Default false: protocol v1, the node's id `node-under-test` and fake
   * peers named by the test, which is what most plugin logic needs.
   */
  secure?: boolean;
}

/** A node under test on a private in-memory network. */
export class PluginHarness {
  private constructor(
    /** The node under test, started. */
    readonly node: PeerNode,
    /** The in-memory network the node and its fake peers share. */
    readonly network: MemoryNetwork,
    /** Everything the node logged. */
    readonly logger: MemoryLogger,
    /** The node's clock. */
    readonly clock: Clock,
    private readonly transports: MemoryTransport[],
    /** Whether the node under test is a secure node (`HarnessOptions.secure`). */
    readonly secure: boolean,
  ) {}

  private readonly nodes: PeerNode[] = [];

  /** Builds and starts a node with the given plugins on a fresh in-memory network. */
  static async create(options: HarnessOptions): Promise<PluginHarness> {
    const network = new MemoryNetwork();
    const logger = new MemoryLogger();
    const clock = options.clock ?? new FakeClock();
    const identity = options.secure ? ephemeralIdentity() : undefined;
    const transport = new MemoryTransport({ network, logger, limits: options.config?.limits, peerId: identity?.peerId });
    const security = identity ? { security: "tls" as const } : { id: "node-under-test", security: "none" as const };
    const node = await createNode({ ...security, host: "memory", port: 0, ...options.config, plugins: options.plugins }, { transport, logger, clock, identity });
    await node.start();
    return new PluginHarness(node, network, logger, clock, [transport], identity !== undefined);
  }

  /** The fake clock, when the harness made one (the default). Throws when a real clock was given. */
  get fakeClock(): FakeClock {
    if (!(this.clock instanceof FakeClock)) throw new Error("This harness was created with its own clock, not a FakeClock.");
    return this.clock;
  }

  /**
   * Connects a fake peer to the node. By default the connection is bound to the peer as if the
   * handshake had happened (`peer:connect` fires); `{ handshake: false }` leaves it unbound, as a
   * connection that has not sent PING yet. On a secure harness the peer gets a key pair and its id is
   * the key's (`name` becomes its nick); otherwise `name` is its id.
   */
  async connectPeer(name: string, options: { host?: string; port?: number; handshake?: boolean; identity?: Identity } = {}): Promise<FakePeer> {
    const address = this.node.address;
    if (!address) throw new Error("The node under test is not listening; create the harness without autostart: false.");
    const identity = this.secure ? (options.identity ?? ephemeralIdentity()) : undefined;
    const transport = new MemoryTransport({ network: this.network, peerId: identity?.peerId });
    this.transports.push(transport);
    const host = options.host ?? "memory";
    const port = options.port ?? 50_000 + this.transports.length;
    const info: PeerInfo & { nick?: string } = identity ? { id: identity.peerId, host, port, nick: name } : { id: name, host, port };
    let fake: FakePeer | undefined;
    transport.setHandlers({
      connection() {},
      frame(_connection, envelope) {
        fake?.received.push(envelope);
      },
      disconnect(_connection, reason) {
        if (fake) fake.closedReason = reason;
      },
    });
    const inbound = new Promise<Connection>((resolve) => {
      const off = this.node.connections.onOpen((connection) => {
        if (connection.direction === "inbound") {
          off();
          resolve(connection);
        }
      });
    });
    const connection = (await transport.dial(address.host, address.port)) as MemoryConnection;
    fake = new FakePeer(info, connection, this.clock, identity);
    const nodeSide = await inbound;
    if (options.handshake !== false) this.node.connections.bind(nodeSide, info);
    await this.settle();
    return fake;
  }

  /**
   * Starts another real node on the same in-memory network (sharing the harness's logger and clock),
   * e.g. as the far end of `join()`. It is shut down with the harness.
   */
  async addNode(options: HarnessOptions): Promise<PeerNode> {
    const transport = new MemoryTransport({ network: this.network, logger: this.logger, limits: options.config?.limits });
    const node = await createNode(
      { host: "memory", port: 0, security: "none", ...options.config, plugins: options.plugins },
      { transport, logger: this.logger, clock: options.clock ?? this.clock },
    );
    this.nodes.push(node);
    await node.start();
    return node;
  }

  /**
   * Resolves when every frame in flight on the in-memory network has been delivered and handled,
   * signature verifications off the event loop included (and what the messages they admit sent).
   */
  async settle(): Promise<void> {
    const nodes = [this.node, ...this.nodes];
    for (;;) {
      await this.network.settle();
      if (!nodes.some((node) => node.verificationsInFlight)) return;
      await Promise.all(nodes.map((node) => node.verificationsDone()));
    }
  }

  /** Shuts the node and every fake peer down. */
  async shutdown(): Promise<void> {
    await Promise.all([this.node, ...this.nodes].map((node) => node.shutdown()));
    await Promise.all(this.transports.map((transport) => transport.close()));
  }
}
