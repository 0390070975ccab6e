/**
 * Injection tokens: the one list of everything a plugin can ask for in its constructor, and what each
 * gives. Every constructor parameter of a plugin carries `@inject(TOKENS.X)` explicitly; the kernel
 * checks it when the plugin loads and never relies on the compiler emitting `design:paramtypes`.
 *
 * @example
 *   constructor(@inject(TOKENS.Network) private readonly network: Network) {}
 */
export const TOKENS = Object.freeze({
  /** The node's validated `NodeConfig` (read it, never change it). */
  Config: Symbol.for("peerkit.Config"),
  /** The node's `Logger`. */
  Logger: Symbol.for("peerkit.Logger"),
  /** The node's `Clock`: use it for every timer, so tests can drive time. */
  Clock: Symbol.for("peerkit.Clock"),
  /** `EventBus`: listen to the node's events, emit the ones the plugin delivers. */
  Events: Symbol.for("peerkit.Events"),
  /** `LocalPeer`: this node's id, nick and address, and the envelope factory. */
  LocalPeer: Symbol.for("peerkit.LocalPeer"),
  /** `PeerView`: the peer table, read-only. */
  Peers: Symbol.for("peerkit.Peers"),
  /** `Network`: send to peers, connect, disconnect a peer, watch connections open and close. */
  Network: Symbol.for("peerkit.Network"),
  /** `Handlers`: register message handlers at run time (under the plugin's name; removed when it stops at the latest). */
  Handlers: Symbol.for("peerkit.Handlers"),
  /** `Handshake`: bind a connection to the peer that identified itself on it (the ping plugin's job). */
  Handshake: Symbol.for("peerkit.Handshake"),
  /**
   * `MessageSecurity`: sign what this node originates, verify what others originated, refuse replays,
   * encrypt one-to-one payloads (protocol v2; plain protocol v1 on an `--insecure` node).
   */
  Security: Symbol.for("peerkit.Security"),
  /** The options of the plugin being constructed: `config.options[pluginName]`, or `{}`. */
  PluginOptions: Symbol.for("peerkit.PluginOptions"),
});

/**
 * Tokens of earlier versions that gave plugins whole kernel classes, with what to inject instead: a
 * plugin that still asks for one is refused at load with this advice.
 */
export const REMOVED_TOKENS: ReadonlyMap<symbol, string> = new Map([
  [Symbol.for("peerkit.Connections"), "TOKENS.Connections (the ConnectionPool) is no longer given to plugins: inject TOKENS.Network (send, sendToAll, connect, disconnect, onOpen/onClose), or TOKENS.Handshake to bind connections"],
  [Symbol.for("peerkit.PeerTable"), "TOKENS.PeerTable is no longer given to plugins: inject TOKENS.Peers (a read-only PeerView)"],
  [Symbol.for("peerkit.Dispatcher"), "TOKENS.Dispatcher is no longer given to plugins: inject TOKENS.Handlers to register handlers at run time"],
  [Symbol.for("peerkit.Transport"), "TOKENS.Transport is no longer given to plugins: inject TOKENS.Network"],
]);

/**
 * Tokens the kernel provides to its own built-in modules only; not part of the plugin API (they are not
 * exported from "peerkit", and are unique symbols no other code can forge).
 */
export const INTERNAL_TOKENS = Object.freeze({
  /**
   * The node's `Transport`, for the legacy module's plugin, which attaches its dialect to the TCP
   * transport's extension points (`src/legacy/dialect.ts`). Not part of the plugin API.
   */
  Transport: Symbol("peerkit.internal.Transport"),
});

/**
 * The token under which a plugin's instance is registered in its node, once constructed. A plugin may
 * inject a plugin it lists in its `dependencies` (those are constructed first):
 * `@inject(pluginToken("broadcast")) broadcast: BroadcastPlugin`.
 */
export function pluginToken(name: string): symbol {
  return Symbol.for(`peerkit.plugin.${name}`);
}
