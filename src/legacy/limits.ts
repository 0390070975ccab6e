/**
 * The limits the legacy dialect reads. They are fields of the node's `limits` config section (where a
 * user sets them); declared here by shape, so the dialect depends on no kernel file.
 */
import type { TransportLimits } from "../transport/limits.js";

/** The legacy dialect's own limits, with their config names (`limits.legacy*`). */
export interface LegacyDialectLimits {
  /** One-shot legacy messages accepted per second from one source IP (sustained); more are dropped. */
  legacyMessagesPerSecond: number;
  /** One-shot legacy messages one source IP may send in a burst above `legacyMessagesPerSecond`. */
  legacyMessageBurst: number;
  /** Most one-shot sockets open at once towards one legacy peer; further messages wait in a queue. */
  legacySocketsPerLink: number;
  /** Most messages waiting for a socket towards one legacy peer; further ones are dropped and counted. */
  legacyQueueSize: number;
}

/**
 * Everything the legacy dialect reads: the transport's limits (a link is a connection), the kernel's
 * `maxConnections` (one-shot sockets count against it, with the transport's connections), and its own.
 */
export type LegacyLimits = TransportLimits & LegacyDialectLimits & { maxConnections: number };
