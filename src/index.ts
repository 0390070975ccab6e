/**
 * peerkit's public API: build a node from a config, and (through the plugin API, re-exported whole)
 * write plugins for new message types.
 * It loads `reflect-metadata` (the Reflect API polyfill tsyringe needs) before anything else.
 */
import "reflect-metadata";
export * from "./plugin-api.js";
export { createNode, type NodeOverrides } from "./node/create-node.js";
export { PeerNode } from "./node/peer-node.js";
export { parseEnvelope, encodeEnvelope, checkJsonValue, DEFAULT_MAX_JSON_DEPTH } from "./base/envelope.js";
export { PeerTable } from "./kernel/peer-table.js";
export { Dispatcher, type HandlerEntry } from "./kernel/dispatcher.js";
export { ConnectionPool } from "./kernel/connection-pool.js";
export { NodeEvents } from "./kernel/node-events.js";
export { SystemClock } from "./base/clock.js";
export { StreamLogger, silentLogger } from "./base/logger.js";
export {
  DEFAULT_BROADCAST,
  DEFAULT_KEEPALIVE,
  DEFAULT_LIMITS,
  DEFAULT_PLUGINS,
  DEFAULT_PORT,
  defaultConfig,
  type BootstrapPeer,
  type BroadcastMode,
  type NodeConfigInput,
  type PluginRef,
} from "./kernel/config.js";
export { validateConfig } from "./kernel/config-schema.js";
export { resolveNodeConfig, loadConfigFile } from "./node/config-file.js";
export { AdvertisePlugin, BroadcastPlugin, DirectPlugin, KeepalivePlugin, LegacyPlugin, PingPlugin, TestPlugin, BUILTIN_PLUGINS } from "./plugins/index.js";
export type { DuplicateKey } from "./plugins/broadcast.js";
export { LEGACY_DIALECT, attachLegacyDialect, type LegacyDialect, type LegacyRouterStats } from "./legacy/index.js";
export { Plumtree } from "./plugins/plumtree.js";
export { RouteTable } from "./plugins/direct-routes.js";
export * from "./transport/index.js";
