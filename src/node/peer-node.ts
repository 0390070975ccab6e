/** `PeerNode`: one running node, its lifecycle and the original design's API. */
import type { Address, DialOptions, Transport } from "../transport/transport.js";
import type { AdvertisePlugin } from "../plugins/advertise.js";
import type { BroadcastPlugin } from "../plugins/broadcast.js";
import type { DirectPlugin } from "../plugins/direct.js";
import type { KeepalivePlugin } from "../plugins/keepalive.js";
import type { PingPlugin } from "../plugins/ping.js";
import type { BootstrapPeer, NodeConfig } from "../kernel/config.js";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import type { Dispatcher } from "../kernel/dispatcher.js";
import { NodeStateError, PluginNotLoadedError, UnknownPeerError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";
import type { LocalPeerState } from "../kernel/local-peer.js";
import type { Logger } from "../base/logger.js";
import type { MessageSecurity } from "../kernel/message-security.js";
import type { NodeEventMap, NodeEvents } from "../kernel/node-events.js";
import type { PeerInfo } from "../base/peer.js";
import type { PeerTable } from "../kernel/peer-table.js";
import type { PluginInstance } from "../kernel/plugin-instance.js";
import { exchangePeers, joinBootstrapPeers } from "./bootstrap.js";
import { typesByPlugin, type PluginTypes } from "./plugin-types.js";
export type { PluginTypes } from "./plugin-types.js";

/** The kernel objects a node is assembled from (by `createNode`). */
export interface NodeParts {
  config: NodeConfig;
  logger: Logger;
  transport: Transport;
  peers: PeerTable;
  dispatcher: Dispatcher;
  connections: ConnectionPool;
  events: NodeEvents;
  self: LocalPeerState;
  plugins: PluginInstance[];
  /** How this node makes the messages it originates (signed on a secure node). */
  security: MessageSecurity;
}

type State = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * A peer-to-peer node. Made by `createNode(config)`; `start()` starts its plugins, binds the listener
 * (unless `autostart: false`) and joins the bootstrap peers; `shutdown()` undoes all of it.
 */
export class PeerNode {
  /** The node's validated config. */
  readonly config: NodeConfig;
  /** The peer table: `list()`, `add()`, `find(id)`, `remove(id)`. */
  readonly peers: PeerTable;
  /** The message-type table; `dispatcher.on(type, fn)` adds an ad-hoc handler, `types()` lists it. */
  readonly dispatcher: Dispatcher;
  /** The node's connections: dial, send to a peer, send to all. */
  readonly connections: ConnectionPool;
  /** The node's logger. */
  readonly logger: Logger;
  private readonly transport: Transport;
  private readonly events: NodeEvents;
  private readonly self: LocalPeerState;
  private readonly plugins: PluginInstance[];
  private readonly security: MessageSecurity;
  private state: State = "created";
  private shutdownPromise: Promise<void> | undefined;

  constructor(parts: NodeParts) {
    this.config = parts.config;
    this.peers = parts.peers;
    this.dispatcher = parts.dispatcher;
    this.connections = parts.connections;
    this.logger = parts.logger;
    this.transport = parts.transport;
    this.events = parts.events;
    this.self = parts.self;
    this.plugins = parts.plugins;
    this.security = parts.security;
  }

  /**
   * Resolves once no signature verification this node started off the event loop is still running; the
   * broadcasts they admit are then handled (for tests: `PluginHarness.settle`).
   */
  verificationsDone(): Promise<void> {
    return this.security.verificationsDone();
  }

  /** How many signature verifications this node runs off the event loop now. */
  get verificationsInFlight(): number {
    return this.security.verificationsRunning;
  }

  /** This node's peer id. */
  get id(): string {
    return this.self.id;
  }

  /** The bound listening address, or undefined when not listening. */
  get address(): Address | undefined {
    return this.transport.address();
  }

  /** The names of the loaded plugins, in start order. */
  get pluginNames(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /**
   * The loaded plugins in start order, each with the message types it handles now (its `@handles`
   * methods and the handlers it registered at run time; none before `start()`), then the owners of
   * handlers added with `node.dispatcher.on`. A snapshot: changing it changes nothing.
   */
  handledTypes(): PluginTypes[] {
    return typesByPlugin(this.plugins, this.dispatcher);
  }

  /** Subscribes to a node event (`peer:connect`, `peer:disconnect`, `message`, `broadcast`, `test`, `listening`). */
  on<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  /** Subscribes to the next occurrence of a node event. */
  once<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.events.once(event, listener);
    return this;
  }

  /** Unsubscribes a listener. */
  off<K extends keyof NodeEventMap>(event: K, listener: (...args: NodeEventMap[K]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  /** The instance of a loaded plugin, by name; undefined when it is not loaded. */
  plugin<T extends object = object>(name: string): T | undefined {
    return this.plugins.find((p) => p.name === name)?.instance as T | undefined;
  }

  /**
   * Starts the plugins (dependencies first), binds the listener unless `autostart` is false, and joins
   * the configured bootstrap peers (failures are logged, not thrown). On failure, whatever started is
   * shut down before the error is rethrown.
   */
  async start(): Promise<void> {
    if (this.state !== "created") throw new NodeStateError(`start() was called on a node that is ${this.state}; a node starts once.`);
    this.state = "starting";
    try {
      for (const plugin of this.plugins) await plugin.start();
      if (this.config.autostart) await this.startListening();
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    this.state = "running";
    // A kept peer that a redial brought back gets the same peer exchange as at bootstrap.
    this.plugin<KeepalivePlugin>("keepalive")?.onReconnect((peer) => exchangePeers(this, [peer]));
    if (this.config.bootstrap.length > 0) await this.bootstrap(this.config.bootstrap);
  }

  /** Binds the listener on the configured host and port; resolves with the bound address. */
  async startListening(): Promise<Address> {
    if (this.state === "stopping" || this.state === "stopped") throw new NodeStateError("startListening() was called on a node that is shut down.");
    const existing = this.transport.address();
    if (existing) return existing;
    const address = await this.transport.listen(this.config.host, this.config.port);
    this.self.setAddress(address);
    this.logger.info("listening", { id: this.id, host: address.host, port: address.port });
    this.events.emit("listening", address);
    return address;
  }

  /**
   * Connects to a node (PING) and resolves with its identity when its PONG arrives. Needs the ping
   * plugin. With the keepalive plugin, the address is kept: redialled whenever the peer drops.
   * `dialect` names the wire the peer speaks, when not peerkit's own (a plugin registers it).
   */
  async join(host: string, port: number, options: DialOptions = {}): Promise<PeerInfo> {
    const peer = await this.require<PingPlugin>("ping", "join()").join(host, port, { dialect: options.dialect });
    this.plugin<KeepalivePlugin>("keepalive")?.keep(host, port, peer.id, options.dialect);
    return { id: peer.id, host: peer.host, port: peer.port };
  }

  /** Floods a message to the whole network; returns its id. Needs the broadcast plugin. */
  broadcast(msg: unknown): string {
    return this.require<BroadcastPlugin>("broadcast", "broadcast()").broadcast(msg);
  }

  /**
   * Sends a one-to-one message to any node of the network; resolves with its id once the destination
   * acknowledged it, rejects with ERR_UNDELIVERED otherwise. Needs the direct plugin.
   */
  send(peerId: string, msg: unknown): Promise<string> {
    try {
      return this.require<DirectPlugin>("direct", "send()").send(peerId, msg);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends one message of any type to a connected peer, over its connection, made as this node makes the
   * messages it originates (signed with its key on a secure node; a plain protocol-v1 envelope with a
   * random id under `--insecure`); returns the message's id. Nothing routes it further: what happens to
   * it is up to the peer's handler of `type`. For trying a plugin's message type by hand (`/send`).
   *
   * @throws UnknownPeerError when no connection to `peerId` is open.
   */
  sendMessage(peerId: string, type: string, msg: unknown): string {
    if (this.connections.connectionOf(peerId) === undefined) throw new UnknownPeerError(peerId);
    const envelope = this.security.create(type, msg);
    if (!this.connections.send(peerId, envelope)) throw new UnknownPeerError(peerId);
    return envelope.id!;
  }

  /** Asks a peer for its peers (ADVERTISE) and connects to the new ones. Needs the advertise plugin. */
  getPeersFrom(peerId: string): Promise<PeerInfo[]> {
    return this.require<AdvertisePlugin>("advertise", "getPeersFrom()").getPeersFrom(peerId);
  }

  /**
   * Joins each address, then (with the advertise plugin) asks each joined peer for its peers, in the
   * background. Resolves with the peers joined directly; failures are logged at warn level, not thrown. With the
   * keepalive plugin, every address is kept, so one that could not be reached is retried with backoff,
   * one whose node refused this node's id (`ERR_ID_TAKEN`) only slowly (`KeepalivePlugin.keepFailed`);
   * not one that is this node's own.
   */
  bootstrap(list: readonly BootstrapPeer[]): Promise<PeerInfo[]> {
    return joinBootstrapPeers(this, list, () => this.state === "running");
  }

  /**
   * Stops the plugins in reverse start order, closes every connection and the listener, and resolves
   * when nothing is left open. Safe to call more than once.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stopEverything();
    return this.shutdownPromise;
  }

  private async stopEverything(): Promise<void> {
    this.state = "stopping";
    for (const plugin of [...this.plugins].reverse()) {
      try {
        await plugin.stop();
      } catch (error) {
        this.logger.error("plugin failed to stop", { plugin: plugin.name, error: errorMessage(error) });
      }
    }
    this.connections.stop();
    await this.transport.close();
    this.dispatcher.clear();
    this.events.clear();
    this.state = "stopped";
  }

  private require<T>(name: string, what: string): T {
    const instance = this.plugin(name);
    if (!instance) throw new PluginNotLoadedError(name, what);
    return instance as T;
  }
}
