/**
 * Injection tokens: the one list of everything a plugin can ask for in its constructor.
 * Every constructor parameter of an injectable class carries `@inject(TOKENS.X)` explicitly, so that
 * wiring never depends on the compiler emitting `design:paramtypes`.
 *
 * @example
 *   constructor(@inject(TOKENS.Connections) private readonly connections: ConnectionPool) {}
 */
export const TOKENS = Object.freeze({
  /** The node's validated `NodeConfig`. */
  Config: Symbol.for("peerkit.Config"),
  /** The node's `Logger`. */
  Logger: Symbol.for("peerkit.Logger"),
  /** The node's `Clock`. */
  Clock: Symbol.for("peerkit.Clock"),
  /** The node's `Transport`. */
  Transport: Symbol.for("peerkit.Transport"),
  /** The node's `PeerTable`. */
  PeerTable: Symbol.for("peerkit.PeerTable"),
  /** The node's `Dispatcher`. */
  Dispatcher: Symbol.for("peerkit.Dispatcher"),
  /** The node's `ConnectionPool`: dial, handshake binding, sending to peers. */
  Connections: Symbol.for("peerkit.Connections"),
  /** The node's `NodeEvents`: the events applications listen to. */
  Events: Symbol.for("peerkit.Events"),
  /** The node's `LocalPeer`: its own id and advertised address, and the envelope factory. */
  LocalPeer: Symbol.for("peerkit.LocalPeer"),
  /** The options of the plugin being constructed: `config.options[pluginName]`, or `{}`. */
  PluginOptions: Symbol.for("peerkit.PluginOptions"),
});

/**
 * The token under which a plugin's instance is registered in its node, once constructed. A plugin may
 * inject a plugin it lists in its `dependencies` (those are constructed first):
 * `@inject(pluginToken("broadcast")) broadcast: BroadcastPlugin`.
 */
export function pluginToken(name: string): symbol {
  return Symbol.for(`peerkit.plugin.${name}`);
}
