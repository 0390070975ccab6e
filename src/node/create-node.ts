/**
 * `createNode`: the composition root. It validates the config, makes a child container for the node,
 * registers the node's services under their tokens, loads and constructs the plugins, and returns the
 * assembled (not yet started) `PeerNode`. Only this file registers in and resolves from a container.
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
import { LocalPeer } from "../kernel/local-peer.js";
import { StreamLogger, type Logger } from "../base/logger.js";
import { NodeEvents } from "../kernel/node-events.js";
import { PeerNode } from "./peer-node.js";
import { PeerTable } from "../kernel/peer-table.js";
import { PluginInstance } from "../kernel/plugin-instance.js";
import { loadPlugins, type PluginDefinition } from "../kernel/plugin-loader.js";
import { pluginToken, TOKENS } from "../kernel/tokens.js";

/** Services to use instead of the defaults: how tests inject a memory transport, a fake clock or a capturing logger. */
export interface NodeOverrides {
  /** Default: a `TcpTransport`. */
  transport?: Transport;
  /** Default: a `StreamLogger` on stderr, at debug level when `config.debug`. */
  logger?: Logger;
  /** Default: the `SystemClock`. */
  clock?: Clock;
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
  const config = await validateConfigLayer(input, "the createNode() config", defaultConfig());
  const definitions = await loadPlugins(config.plugins, config.baseDir, BUILTIN_PLUGINS);
  const logger = overrides.logger ?? new StreamLogger(config.nick ?? config.id, config.debug ? "debug" : "info");
  const scope = registerServices(rootContainer.createChildContainer(), config, logger, overrides);
  const dispatcher = scope.resolve<Dispatcher>(TOKENS.Dispatcher);
  const plugins = definitions.map((definition) => constructPlugin(scope, definition, config, dispatcher));
  return new PeerNode({
    config,
    logger,
    dispatcher,
    transport: scope.resolve<Transport>(TOKENS.Transport),
    peers: scope.resolve<PeerTable>(TOKENS.PeerTable),
    connections: scope.resolve<ConnectionPool>(TOKENS.Connections),
    events: scope.resolve<NodeEvents>(TOKENS.Events),
    self: scope.resolve<LocalPeer>(TOKENS.LocalPeer),
    plugins,
  });
}

function registerServices(scope: DependencyContainer, config: NodeConfig, logger: Logger, overrides: NodeOverrides): DependencyContainer {
  const events = new NodeEvents();
  events.setErrorHandler((event, error) =>
    logger.error("event listener failed", { event, error: error instanceof Error ? error.message : String(error) }),
  );
  scope.register(TOKENS.Config, { useValue: config });
  scope.register(TOKENS.Logger, { useValue: logger });
  scope.register(TOKENS.Clock, { useValue: overrides.clock ?? new SystemClock() });
  scope.register(TOKENS.Events, { useValue: events });
  scope.registerSingleton(TOKENS.LocalPeer, LocalPeer);
  scope.registerSingleton(TOKENS.PeerTable, PeerTable);
  scope.registerSingleton(TOKENS.Dispatcher, Dispatcher);
  scope.register(TOKENS.Transport, { useValue: overrides.transport ?? new TcpTransport({ limits: config.limits, logger }) });
  scope.registerSingleton(TOKENS.Connections, ConnectionPool);
  return scope;
}

/** Constructs one plugin in a scope of its own, where `TOKENS.PluginOptions` is its own options. */
function constructPlugin(scope: DependencyContainer, definition: PluginDefinition, config: NodeConfig, dispatcher: Dispatcher): PluginInstance {
  const { name } = definition.metadata;
  const pluginScope = scope.createChildContainer();
  pluginScope.register(TOKENS.PluginOptions, { useValue: config.options[name] ?? {} });
  let instance: object;
  try {
    instance = pluginScope.resolve(definition.pluginClass);
  } catch (error) {
    if (error instanceof PeerkitError) throw error;
    const reason = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    const injection = /Cannot inject|TypeInfo not known|unregistered dependency/.test(reason);
    throw new InvalidPluginError(
      `The plugin "${name}"`,
      injection
        ? `its constructor could not be injected (${reason}); put @inject(TOKENS.X) on every constructor parameter`
        : `its constructor threw: ${reason}`,
      { cause: error },
    );
  }
  scope.register(pluginToken(name), { useValue: instance });
  return new PluginInstance(name, instance, definition.pluginClass, dispatcher);
}
