/**
 * The original Python peers' dialect, all of it: the codec, the links and router that hide a
 * connection per message behind one `Connection` per peer, the per-source rate limit, the one-shot
 * sends, its attachment to the TCP transport, and the `legacy` plugin that turns it on.
 */
export { LEGACY_DIALECT, LEGACY_MAX_MESSAGE_BYTES, decodeLegacy, encodeLegacy, translateLegacy, legacyDuplicateKey } from "./codec.js";
export { attachLegacyDialect, type LegacyDialect, type LegacyDialectOptions } from "./dialect.js";
export type { LegacyDialectLimits, LegacyLimits } from "./limits.js";
export { LegacyPlugin } from "./plugin.js";
export type { LegacyRouterStats } from "./router.js";
