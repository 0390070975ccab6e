/**
 * The plugin API: everything a plugin author needs, and the only module a plugin imports (the built-in
 * plugins included, through "../plugin-api.js"; third parties through "peerkit", which re-exports it).
 * A plugin gets what it uses through its constructor, as narrow interfaces under `TOKENS`, never the
 * kernel's classes.
 *
 * It loads `reflect-metadata` first, so that a plugin project can import `inject` from here without
 * caring about the order of its imports, nor depending on tsyringe itself.
 */
import "reflect-metadata";
export { inject } from "tsyringe";

// Declaring a plugin and its handlers.
export {
  plugin,
  handles,
  payloadCheck,
  type ContextFor,
  type HandlerOptions,
  type MessageHandler,
  type PayloadCheck,
  type PayloadGuard,
  type PayloadValidator,
  type PluginClass,
  type PluginLifecycle,
  type TypedHandler,
} from "./kernel/decorators.js";
export { pluginToken, TOKENS } from "./kernel/tokens.js";

// What a plugin can inject, and what its handlers receive.
export type { EventBus, Handlers, Handshake, Network, PeerView } from "./kernel/capabilities.js";
export type { LocalPeer } from "./kernel/local-peer.js";
export type { MessageSecurity, SignedExtras } from "./kernel/message-security.js";
export type { ConnectionView, EnvelopeExtras, MessageContext, PeerMessageContext } from "./kernel/message-context.js";
export type { BroadcastEvent, DirectEvent, LegacyRelay, NodeEventMap, TestEvent } from "./kernel/node-events.js";
export type { Clock, TimerHandle } from "./base/clock.js";
export type { Logger, LogFields, LogLevel } from "./base/logger.js";
export type { Limits, NodeConfig } from "./kernel/config.js";
// A plugin declares its own config section (`@plugin({ name, config: SECTION })`) with these, and with
// valibot (`v`), re-exported so that a plugin project uses the version peerkit validates with.
export * as v from "valibot";
export { defineConfigSection, type ConfigSection, type SectionInput, type SectionRule, type SectionSettings } from "./kernel/config/section.js";
export { flag, integerIn, MAX_TIMER_MS, nonEmptyString, timerMs, withJsonSchema } from "./kernel/config/schema-kit.js";
export type { Address, ConnectionStats, Dialect, DialOptions } from "./transport/transport.js";

// Messages, peers, errors.
export { checkJsonValue, MAX_NAME_LENGTH, type Envelope } from "./base/envelope.js";
export { checkPeerInfo, type LinkedPeer, type PeerInfo, type PeerRecord } from "./base/peer.js";
export { checkRefusal, ID_TAKEN, REFUSED_TYPE, type Refusal } from "./base/refusal.js";
export * from "./base/errors.js";
export { errorMessage } from "./base/error-message.js";
export { sanitizeText, type UnsafeTextMode } from "./base/safe-text.js";

// Protocol chores, written once.
export { PendingRequests, type WaitOptions } from "./kernel/pending-requests.js";
export { relayCopy } from "./kernel/ttl.js";
export { ReplayGuard, isFresh, type Admission, type ReplayDrops } from "./kernel/replay-guard.js";
export { SeenCache, type SeenVerdict } from "./kernel/seen-cache.js";
export { BoundedMap } from "./base/bounded-map.js";
export { ThrottledWarning } from "./base/throttled-warning.js";
