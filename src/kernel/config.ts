/**
 * The node's configuration: the typed `NodeConfig` everything downstream reads, its defaults, and the
 * embedded default config that serves when there is no config file.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "../transport/limits.js";
import type { PluginClass } from "./decorators.js";

/** An address to join at start: `{ host, port }`, with `legacy: true` for an original Python peer. */
export interface BootstrapPeer {
  host: string;
  port: number;
  /** The peer speaks the original Python peers' wire (needs the `legacy` plugin). */
  legacy?: boolean;
}

/**
 * The dialect a bootstrap peer is dialled in: the config file's `legacy: true` (or `legacy://host:port`)
 * names the dialect of the `legacy` plugin; undefined for peerkit's own.
 */
export function bootstrapDialect(peer: BootstrapPeer): string | undefined {
  return peer.legacy ? "legacy" : undefined;
}

/** Resource limits: the transport's (`TransportLimits`) and the kernel's. Every field has a default (`DEFAULT_LIMITS`). */
export interface Limits extends TransportLimits {
  /** Most peers this node keeps connected; further handshakes are refused and advertised peers not dialled. */
  maxPeers: number;
  /**
   * Most open connections (inbound and outbound, handshaken or not). At it, the oldest pending inbound
   * connection is closed to admit a newcomer; only when none is pending is the newcomer closed.
   */
  maxConnections: number;
  /** Most broadcast ids remembered for duplicate suppression. */
  seenCacheSize: number;
  /** How long a broadcast id is remembered, in milliseconds. */
  seenCacheTtlMs: number;
  /** Hops a new broadcast may travel. */
  broadcastTtl: number;
  /** How long `join`, `getPeersFrom` and similar requests wait for their answer, in milliseconds. */
  requestTimeoutMs: number;
  /** How long a new connection may go without a valid PING or PONG before it is closed, in milliseconds. */
  handshakeMs: number;
  /**
   * Most connections open at once that have not completed the handshake. When a new one arrives at the
   * limit, the oldest pending one is closed to admit it: idle sockets can never keep an honest peer out.
   */
  maxPendingConnections: number;
  /** Most pending (not yet handshaken) connections from one source IP; past it, that address's oldest is closed. */
  maxPendingPerAddress: number;
  /**
   * Most handshaken peers that dialled this node. The rest of `maxPeers` is kept for the peers this node
   * dials itself (bootstrap, joins, peer exchange), so inbound floods cannot take those slots.
   */
  maxInboundPeers: number;
  /** Most handshaken inbound peers from one source IP. */
  maxInboundPeersPerAddress: number;
  /**
   * How far a BROADCAST's or DIRECT's `time` may lie from this node's clock, either way, in milliseconds.
   * Older or newer ones are dropped (counted, debug log), so a captured frame cannot be replayed once
   * its id left the seen-cache. At most half of `seenCacheTtlMs`.
   */
  maxClockSkewMs: number;
  /** Most new addresses one ADVERTISE_REPLY may make this node dial. */
  peerExchangeDialsPerReply: number;
  /** Most addresses peer exchange may dial in one minute, all replies together. */
  peerExchangeDialsPerMinute: number;
  /** After peer exchange dialled an address (or a dial to it failed), it is not dialled by peer exchange again for this long, in milliseconds. */
  peerExchangeBackoffMs: number;
  /** One-shot legacy messages accepted per second from one source IP (sustained); more are dropped. */
  legacyMessagesPerSecond: number;
  /** One-shot legacy messages one source IP may send in a burst above `legacyMessagesPerSecond`. */
  legacyMessageBurst: number;
  /** Most one-shot sockets open at once towards one legacy peer; further messages wait in a queue. */
  legacySocketsPerLink: number;
  /** Most messages waiting for a socket towards one legacy peer; further ones are dropped and counted. */
  legacyQueueSize: number;
}

/** Settings of the built-in keepalive plugin. */
export interface KeepaliveSettings {
  /** A connection silent this long (no frame at all) is sent a PING, in milliseconds. */
  intervalMs: number;
  /** A peer silent this long (no PONG, no other frame) is dropped, in milliseconds. */
  timeoutMs: number;
  /** First delay before redialling a kept peer after it dropped, in milliseconds; doubles per failed attempt. */
  redialBaseMs: number;
  /** Longest delay between two redial attempts, in milliseconds. */
  redialMaxMs: number;
}

/** How the broadcast plugin spreads a BROADCAST: to every peer (`flood`), or along a self-repairing tree (`tree`). */
export type BroadcastMode = "flood" | "tree";

/**
 * Settings of the built-in broadcast plugin. Only `mode` matters in flood mode; the others tune the
 * epidemic broadcast tree (Plumtree) of `tree` mode.
 */
export interface BroadcastSettings {
  /** `flood`: forward every new BROADCAST to every other peer. `tree`: Plumtree (eager push on a tree, IHAVE on the other links). */
  mode: BroadcastMode;
  /** Longest wait before announcing new message ids to lazy peers in one IHAVE, in milliseconds (0: the next timer turn). */
  ihaveIntervalMs: number;
  /** Most ids in one IHAVE; a full batch is sent at once. At most 1024 (`MAX_PLUMTREE_IDS`). */
  ihaveMaxIds: number;
  /** How long an announced message may stay missing before it is requested (GRAFT) from the first announcer, in milliseconds. */
  graftTimeoutMs: number;
  /** How long after a GRAFT the next announcer is asked, while the message is still missing, in milliseconds. */
  graftRetryMs: number;
  /**
   * Most recent BROADCAST envelopes kept to answer GRAFT (and most missing ids waited for). Should hold
   * the traffic of `graftTimeoutMs` plus a few `graftRetryMs`, or a GRAFT finds the message gone.
   */
  storeSize: number;
  /** How long a BROADCAST envelope is kept to answer GRAFT, in milliseconds. */
  storeTtlMs: number;
}

/** A plugin as the config names it: a built-in name, a module specifier, or (from code) the class itself. */
export type PluginRef = string | PluginClass;

/** The validated, complete configuration of one node. */
export interface NodeConfig {
  /** This node's peer id, unique in the network. */
  id: string;
  /** Address to listen on, and to advertise to peers. */
  host: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Chat nickname, carried by chat lines. */
  nick?: string;
  /** Log at debug level. */
  debug: boolean;
  /** Whether `start()` binds the listener; when false, call `startListening()` yourself. */
  autostart: boolean;
  /** The plugins to load, in order. */
  plugins: PluginRef[];
  /** Peers to join at start. */
  bootstrap: BootstrapPeer[];
  /** Resource limits. */
  limits: Limits;
  /** Settings of the keepalive plugin (used only when it is loaded). */
  keepalive: KeepaliveSettings;
  /** Settings of the broadcast plugin (used only when it is loaded). */
  broadcast: BroadcastSettings;
  /** Per-plugin options, keyed by plugin name; a plugin reads its own with `@inject(TOKENS.PluginOptions)`. */
  options: Record<string, unknown>;
  /** Directory that relative plugin specifiers are resolved against (the config file's, else the cwd). */
  baseDir: string;
}

/** What `createNode` and config files accept: every field optional, defaults fill the rest. */
export type NodeConfigInput = Partial<Omit<NodeConfig, "limits" | "keepalive" | "broadcast">> & {
  limits?: Partial<Limits>;
  keepalive?: Partial<KeepaliveSettings>;
  broadcast?: Partial<BroadcastSettings>;
};

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  ...DEFAULT_TRANSPORT_LIMITS,
  maxPeers: 32,
  maxConnections: 256,
  seenCacheSize: 10_000,
  seenCacheTtlMs: 120_000,
  broadcastTtl: 16,
  requestTimeoutMs: 5_000,
  handshakeMs: 10_000,
  maxPendingConnections: 64,
  maxPendingPerAddress: 8,
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
});


/** The default keepalive settings. */
export const DEFAULT_KEEPALIVE: Readonly<KeepaliveSettings> = Object.freeze({
  intervalMs: 5_000,
  timeoutMs: 15_000,
  redialBaseMs: 1_000,
  redialMaxMs: 30_000,
});

/** The default broadcast settings: flooding, as before the tree mode existed. */
export const DEFAULT_BROADCAST: Readonly<BroadcastSettings> = Object.freeze({
  mode: "flood",
  ihaveIntervalMs: 50,
  ihaveMaxIds: 256,
  graftTimeoutMs: 500,
  graftRetryMs: 250,
  storeSize: 4_096,
  storeTtlMs: 30_000,
});

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
 * The embedded default config: a random id, 127.0.0.1, port 7001, the `DEFAULT_PLUGINS`, no bootstrap.
 * Used as-is when there is no config file, and as the base every file and flag overrides.
 */
export function defaultConfig(): NodeConfig {
  return {
    id: randomPeerId(),
    host: "127.0.0.1",
    port: DEFAULT_PORT,
    debug: false,
    autostart: true,
    plugins: [...DEFAULT_PLUGINS],
    bootstrap: [],
    limits: { ...DEFAULT_LIMITS },
    keepalive: { ...DEFAULT_KEEPALIVE },
    broadcast: { ...DEFAULT_BROADCAST },
    options: {},
    baseDir: process.cwd(),
  };
}
