/**
 * peerkit's public API: build a node from a config, write plugins for new message types.
 * It loads `reflect-metadata` (the Reflect API polyfill tsyringe needs) before anything else.
 */
import "reflect-metadata";
export { createNode, type NodeOverrides } from "./kernel/create-node.js";
export { PeerNode } from "./kernel/peer-node.js";
export { plugin, handles, type PayloadCheck, type PluginClass, type PluginLifecycle, type MessageHandler } from "./kernel/decorators.js";
export { pluginToken, TOKENS } from "./kernel/tokens.js";
export type { Envelope } from "./kernel/envelope.js";
export { parseEnvelope, encodeEnvelope, checkJsonValue, DEFAULT_MAX_JSON_DEPTH } from "./kernel/envelope.js";
export { sanitizeText, type UnsafeTextMode } from "./kernel/safe-text.js";
export { ThrottledWarning } from "./kernel/throttled-warning.js";
export { isFresh } from "./kernel/replay-guard.js";
export type { MessageContext, EnvelopeExtras } from "./kernel/message-context.js";
export { checkPeerInfo, type PeerInfo, type PeerRecord } from "./kernel/peer.js";
export { PeerTable } from "./kernel/peer-table.js";
export { Dispatcher, type HandlerEntry } from "./kernel/dispatcher.js";
export { ConnectionPool } from "./kernel/connection-pool.js";
export { LocalPeer } from "./kernel/local-peer.js";
export { NodeEvents, type NodeEventMap, type BroadcastEvent, type DirectEvent, type TestEvent } from "./kernel/node-events.js";
export { SeenCache } from "./kernel/seen-cache.js";
export { BoundedMap } from "./kernel/bounded-map.js";
export { SystemClock, type Clock, type TimerHandle } from "./kernel/clock.js";
export { StreamLogger, silentLogger, type Logger, type LogLevel, type LogFields } from "./kernel/logger.js";
export {
  DEFAULT_BROADCAST,
  DEFAULT_KEEPALIVE,
  DEFAULT_LIMITS,
  DEFAULT_PLUGINS,
  DEFAULT_PORT,
  defaultConfig,
  type BootstrapPeer,
  type BroadcastMode,
  type BroadcastSettings,
  type KeepaliveSettings,
  type Limits,
  type NodeConfig,
  type NodeConfigInput,
  type PluginRef,
} from "./kernel/config.js";
export { validateConfig } from "./kernel/config-schema.js";
export { resolveNodeConfig, loadConfigFile } from "./kernel/config-file.js";
export * from "./kernel/errors.js";
export { AdvertisePlugin, BroadcastPlugin, DirectPlugin, KeepalivePlugin, LegacyPlugin, PingPlugin, TestPlugin, BUILTIN_PLUGINS } from "./plugins/index.js";
export type { DuplicateKey } from "./plugins/broadcast.js";
export { Plumtree } from "./plugins/plumtree.js";
export { RouteTable } from "./kernel/route-table.js";
export * from "./transport/index.js";
