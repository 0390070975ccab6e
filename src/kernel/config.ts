/**
 * The node's configuration: the typed `NodeConfig` everything downstream reads (inferred from the schemas
 * in `./config/`), its defaults, and the embedded default config that serves when there is no config file.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "../transport/limits.js";
import type { BootstrapPeer, CoreConfig, Limits, PluginRef, SecurityMode } from "./config/core-schema.js";
import type { CoreConfigInput } from "./config/layer-schema.js";
import type { ConfigSection, SectionInput, SectionSettings } from "./config/section.js";

/**
 * The dialect a bootstrap peer is dialled in: the config file's `legacy: true` (or `legacy://host:port`)
 * names the dialect of the `legacy` plugin; undefined for peerkit's own.
 */
export function bootstrapDialect(peer: BootstrapPeer): string | undefined {
  return peer.legacy ? "legacy" : undefined;
}

/**
 * The sections plugins add to the config, by section name: each plugin that owns one declares it here
 * with module augmentation, so that `NodeConfig` and `NodeConfigInput` type it, while the kernel itself
 * names no plugin:
 *
 * @example
 *   declare module "peerkit" {
 *     interface PluginSections { greeter: typeof GREETER_SECTION }
 *   }
 */
// An interface, empty here, so that declaration merging can add to it.
export interface PluginSections {}

type SectionFields<K extends keyof PluginSections> = PluginSections[K] extends ConfigSection<infer TEntries> ? TEntries : never;

/** The validated, complete configuration of one node: the kernel's fields and the plugins' sections. */
export type NodeConfig = CoreConfig & { [K in keyof PluginSections]: SectionSettings<SectionFields<K>> };

/**
 * What `createNode` and config files accept: every field optional (defaults fill the rest), each as the
 * validator accepts it (`bootstrap` entries as `"host:port"` strings too); a `$schema` is ignored.
 */
export type NodeConfigInput = CoreConfigInput & { [K in keyof PluginSections]?: SectionInput<SectionFields<K>> | undefined } & { $schema?: string | undefined };

export type { BootstrapPeer, CoreConfig, CoreConfigInput, Limits, PluginRef, SecurityMode };

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  ...DEFAULT_TRANSPORT_LIMITS,
  maxPeers: 32,
  maxConnections: 256,
  seenCacheSize: 10_000,
  seenCacheTtlMs: 120_000,
  maxHops: 16,
  requestTimeoutMs: 5_000,
  handshakeMs: 10_000,
  maxPendingConnections: 64,
  maxPendingPerAddress: 8,
  handshakesPerSecondPerAddress: 20,
  handshakeBurstPerAddress: 40,
  maxInboundPeers: 24,
  maxInboundPeersPerAddress: 8,
  maxClockSkewMs: 60_000,
  peerExchangeDialsPerReply: 8,
  peerExchangeDialsPerMinute: 32,
  peerExchangeBackoffMs: 60_000,
  legacyMessagesPerSecond: 20,
  legacyMessageBurst: 40,
  legacySocketsPerLink: 4,
  legacyQueueSize: 64,
} satisfies Limits & TransportLimits);

/**
 * The built-in plugins loaded when the config names none. `legacy` (the original Python peers' wire,
 * which has no handshake of its own) is not among them: it is turned on with `--legacy` or by naming it.
 */
export const DEFAULT_PLUGINS: readonly string[] = Object.freeze(["ping", "advertise", "broadcast", "test", "keepalive", "direct"]);

/** The port the embedded default config listens on. */
export const DEFAULT_PORT = 7001;

/** A fresh random peer id: 16 hex characters. */
export function randomPeerId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * The embedded default config: secure (TLS, an identity new at each start), 127.0.0.1, port 7001, the
 * `DEFAULT_PLUGINS`, no bootstrap.
 * The base every file and flag overrides; the plugins' sections are added, with their defaults, when
 * it is validated with them (`validateConfig`).
 */
export function defaultConfig(): CoreConfig {
  return {
    security: "tls",
    host: "127.0.0.1",
    port: DEFAULT_PORT,
    debug: false,
    autostart: true,
    plugins: [...DEFAULT_PLUGINS],
    bootstrap: [],
    limits: { ...DEFAULT_LIMITS },
    options: {},
    baseDir: process.cwd(),
  };
}
