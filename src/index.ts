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
  DEFAULT_LIMITS,
  DEFAULT_PLUGINS,
  DEFAULT_PORT,
  defaultConfig,
  type BootstrapPeer,
  type CoreConfig,
  type NodeConfigInput,
  type PluginRef,
  type PluginSections,
} from "./kernel/config.js";
export { defineConfigSection, type ConfigSection, type RuleBreach, type SectionInput, type SectionRule, type SectionSettings } from "./kernel/config/section.js";
export { flag, integerIn, MAX_TIMER_MS, nonEmptyString, timerMs, withJsonSchema } from "./kernel/config/schema-kit.js";
export { BUILTIN_SECTIONS, validateNodeConfig, validateNodeConfig as validateConfig } from "./node/config-sections.js";
export { configJsonSchema } from "./node/config-json-schema.js";
export { parseHostPort, type HostPort } from "./base/host-port.js";
export { BROADCAST_SECTION, DEFAULT_BROADCAST, type BroadcastMode, type BroadcastSettings } from "./plugins/broadcast-settings.js";
export { DEFAULT_KEEPALIVE, KEEPALIVE_SECTION, type KeepaliveSettings } from "./plugins/keepalive-settings.js";
export { resolveNodeConfig, loadConfigFile } from "./node/config-file.js";
export { AdvertisePlugin, BroadcastPlugin, DirectPlugin, KeepalivePlugin, LegacyPlugin, PingPlugin, TestPlugin, BUILTIN_PLUGINS } from "./plugins/index.js";
export type { DuplicateKey } from "./plugins/broadcast.js";
export { LEGACY_DIALECT, attachLegacyDialect, type LegacyDialect, type LegacyRouterStats } from "./legacy/index.js";
export { Plumtree } from "./plugins/plumtree.js";
export { RouteTable } from "./plugins/direct-routes.js";
export * from "./transport/index.js";
// Protocol v2's identities, for applications that keep or show them.
export {
  ephemeralIdentity,
  IDENTITY_FILE,
  isPeerId,
  loadOrCreateIdentity,
  networkKeyText,
  parseNetworkKey,
  PEER_ID_PREFIX,
  peerIdOf,
  type Identity,
} from "./secure/index.js";
