/**
 * `createNode`: the composition root. It validates the config, builds the node's kernel objects, makes a
 * child container for the node holding what plugins may inject (the narrow capabilities of `TOKENS`),
 * loads, checks and constructs the plugins, and returns the assembled (not yet started) `PeerNode`.
 * Only this file registers in a container; the kernel's injection check (`resolveArguments`) resolves
 * each plugin's checked tokens from the scope it is handed here.
 */
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { BUILTIN_PLUGINS } from "../plugins/index.js";
import { TcpTransport } from "../transport/tcp-transport.js";
import type { Transport } from "../transport/transport.js";
import { SystemClock, type Clock } from "../base/clock.js";
import { defaultConfig, type NodeConfig, type NodeConfigInput } from "../kernel/config.js";
import { validateConfigLayer } from "./config-sections.js";
import { ConnectionPool } from "../kernel/connection-pool.js";
import { Dispatcher } from "../kernel/dispatcher.js";
import { InvalidPluginError, PeerkitError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";
import { LocalPeerState } from "../kernel/local-peer.js";
import { StreamLogger, type Logger, type LogLevel } from "../base/logger.js";
import type { Identity } from "../secure/identity.js";
import { nodeIdentityOf, secureTransportOptions, type NodeIdentity } from "./node-security.js";
import { plainMessages, secureMessages } from "./node-message-security.js";
import type { MessageSecurity } from "../kernel/message-security.js";
import { sodiumReady } from "../secure/sealed-box.js";
import { usableIdCheck } from "../secure/usable-ids.js";
import { NodeEvents } from "../kernel/node-events.js";
import { PeerNode } from "./peer-node.js";
import { PeerTable } from "../kernel/peer-table.js";
import { eventBusOf, handlersOf, handshakeOf, localPeerOf, networkOf, peerViewOf } from "../kernel/plugin-capabilities.js";
import { resolveArguments } from "../kernel/plugin-injection.js";
import { PluginInstance } from "../kernel/plugin-instance.js";
import { loadPlugins, type PluginDefinition } from "../kernel/plugin-loader.js";
import type { PluginClass } from "../kernel/decorators.js";
import { INTERNAL_TOKENS, pluginToken, TOKENS } from "../kernel/tokens.js";

/** Services to use instead of the defaults: how tests inject a memory transport, a fake clock or a capturing logger. */
export interface NodeOverrides {
  /** Default: a `TcpTransport`. */
  transport?: Transport;
  /** Default: a `StreamLogger` on stderr, named after the node's nick or id, at `logLevel`. */
  logger?: Logger;
  /** The default logger's level; default debug when `config.debug`, else info. */
  logLevel?: LogLevel;
  /** Where the default logger writes; default standard error. */
  logStream?: { write(chunk: string): unknown };
  /**
   * A secure node's key pair instead of the one kept in `dataDir` or a new one: how tests give a node
   * a known identity. Ignored under `security: "none"`.
   */
  identity?: Identity;
  /** Default: the `SystemClock`. */
  clock?: Clock;
}

/** The kernel objects of one node. */
interface Kernel {
  config: NodeConfig;
  security: MessageSecurity;
  logger: Logger;
  clock: Clock;
  transport: Transport;
  events: NodeEvents;
  self: LocalPeerState;
  peers: PeerTable;
  dispatcher: Dispatcher;
  connections: ConnectionPool;
}

/**
 * Assembles a node from a config (validated here: a wrong field throws ERR_CONFIG_INVALID) and loads its
 * plugins (ERR_UNKNOWN_PLUGIN, ERR_PLUGIN_INVALID, ERR_PLUGIN_DEPENDENCY). Call `start()` on the result.
 *
 * @example
 *   const node = await createNode({ port: 0, plugins: ["ping", "broadcast"] });
 *   await node.start();
 */
export async function createNode(input: NodeConfigInput = {}, overrides: NodeOverrides = {}): Promise<PeerNode> {
  const validated = await validateConfigLayer(input, "the createNode() config", defaultConfig());
  const node = nodeIdentityOf(validated, overrides.identity);
  const config = freezeConfig({ ...validated, id: node.id });
  const definitions = await loadPlugins(config.plugins, config.baseDir, BUILTIN_PLUGINS);
  const logger = overrides.logger ?? new StreamLogger(config.nick ?? node.id, overrides.logLevel ?? (config.debug ? "debug" : "info"), overrides.logStream);
  if (node.identity) await sodiumReady();
  const kernel = buildKernel(config, node, logger, overrides);
  const scope = registerCapabilities(rootContainer.createChildContainer(), kernel);
  const plugins = definitions.map((definition) => constructPlugin(scope, definition, kernel));
  return new PeerNode({ ...kernel, plugins });
}

function buildKernel(config: NodeConfig, node: NodeIdentity, logger: Logger, overrides: NodeOverrides): Kernel {
  const clock = overrides.clock ?? new SystemClock();
  const events = new NodeEvents();
  events.setErrorHandler((event, error) => logger.error("event listener failed", { event, error: errorMessage(error) }));
  // One verdict per peer id on its key, shared by the TLS channel and the signature checks.
  const isUsableId = usableIdCheck();
  const secure = node.identity && secureTransportOptions(node.identity, config, isUsableId);
  const transport = overrides.transport ?? new TcpTransport({ limits: config.limits, logger, secure });
  const self = new LocalPeerState(config, clock, node.id);
  const security = node.identity ? secureMessages(node.identity, clock, config.limits, isUsableId) : plainMessages(self);
  const peers = new PeerTable();
  const dispatcher = new Dispatcher(logger);
  const connections = new ConnectionPool(transport, peers, dispatcher, self, events, clock, config, logger);
  connections.attach();
  return { config, security, logger, clock, transport, events, self, peers, dispatcher, connections };
}

/**
 * Freezes a validated config, so that nothing given it (a plugin through `TOKENS.Config`, the
 * application through `node.config`) can change the limits the kernel enforces. Plugin classes and the
 * values of plugin options are the caller's own objects, and are left as they are.
 */
function freezeConfig(config: NodeConfig): NodeConfig {
  for (const [key, value] of Object.entries(config)) {
    if (key === "options" || typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" && item !== null) Object.freeze(item);
    } else {
      for (const inner of Object.values(value as object)) if (typeof inner === "object" && inner !== null) Object.freeze(inner);
    }
    Object.freeze(value);
  }
  Object.freeze(config.options);
  return Object.freeze(config);
}

/** Registers what plugins may inject: values and narrow facades, never the kernel's own objects. */
function registerCapabilities(scope: DependencyContainer, kernel: Kernel): DependencyContainer {
  scope.register(TOKENS.Config, { useValue: kernel.config });
  scope.register(TOKENS.Logger, { useValue: kernel.logger });
  scope.register(TOKENS.Clock, { useValue: kernel.clock });
  scope.register(TOKENS.Events, { useValue: eventBusOf(kernel.events) });
  scope.register(TOKENS.LocalPeer, { useValue: localPeerOf(kernel.self) });
  scope.register(TOKENS.Peers, { useValue: peerViewOf(kernel.peers) });
  scope.register(TOKENS.Network, { useValue: networkOf(kernel.connections) });
  scope.register(TOKENS.Security, { useValue: kernel.security });
  return scope;
}

/**
 * What only some built-in plugins are given, each in its own scope: the binding of connections to peers
 * (`TOKENS.Handshake`) to the ping plugin, which performs the handshake, and the transport to the legacy
 * dialect's plugin, which attaches its dialect to it. No other plugin can inject either.
 */
function registerPrivileges(pluginScope: DependencyContainer, pluginClass: PluginClass, kernel: Kernel): void {
  if (pluginClass === BUILTIN_PLUGINS.ping) pluginScope.register(TOKENS.Handshake, { useValue: handshakeOf(kernel.connections) });
  if (pluginClass === BUILTIN_PLUGINS.legacy) pluginScope.register(INTERNAL_TOKENS.Transport, { useValue: kernel.transport });
}

/**
 * Constructs one plugin in a scope of its own, where `TOKENS.PluginOptions` is its own options and
 * `TOKENS.Handlers` registers under its name. Its constructor's tokens are checked first (see
 * `resolveArguments`).
 */
function constructPlugin(scope: DependencyContainer, definition: PluginDefinition, kernel: Kernel): PluginInstance {
  const { name } = definition.metadata;
  const pluginScope = scope.createChildContainer();
  const handlers = handlersOf(kernel.dispatcher, name);
  pluginScope.register(TOKENS.PluginOptions, { useValue: kernel.config.options[name] ?? {} });
  pluginScope.register(TOKENS.Handlers, { useValue: handlers.handlers });
  registerPrivileges(pluginScope, definition.pluginClass, kernel);
  const args = resolveArguments(pluginScope, definition.pluginClass, definition.metadata);
  let instance: object;
  try {
    instance = new definition.pluginClass(...args);
  } catch (error) {
    if (error instanceof PeerkitError) throw error;
    throw new InvalidPluginError(`The plugin "${name}"`, `its constructor threw: ${errorMessage(error).split("\n")[0]}`, { cause: error });
  }
  scope.register(pluginToken(name), { useValue: instance });
  return new PluginInstance(name, instance, definition.pluginClass, kernel.dispatcher, handlers.removeAll);
}
