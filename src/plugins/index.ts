/** The built-in plugins, by the names a config uses for them. */
import type { PluginClass } from "../plugin-api.js";
import { AdvertisePlugin } from "./advertise.js";
import { BroadcastPlugin } from "./broadcast.js";
import { DirectPlugin } from "./direct.js";
import { KeepalivePlugin } from "./keepalive.js";
import { LegacyPlugin } from "../legacy/plugin.js";
import { PingPlugin } from "./ping.js";
import { TestPlugin } from "./test-message.js";

export { AdvertisePlugin, BroadcastPlugin, DirectPlugin, KeepalivePlugin, LegacyPlugin, PingPlugin, TestPlugin };

/** Built-in plugin classes by config name. */
export const BUILTIN_PLUGINS: Readonly<Record<string, PluginClass>> = Object.freeze({
  ping: PingPlugin,
  advertise: AdvertisePlugin,
  broadcast: BroadcastPlugin,
  test: TestPlugin,
  keepalive: KeepalivePlugin,
  direct: DirectPlugin,
  legacy: LegacyPlugin,
});
