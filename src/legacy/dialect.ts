/**
 * The legacy dialect attached to a `TcpTransport`, through the transport's generic extension points:
 * one-shot messages (`handleOneShotMessages`) go to the `LegacyRouter`, `dial(..., { dialect: "legacy" })`
 * (`registerDialect`) gives a `LegacyLink`, and every one-shot socket the links open is tracked by the
 * transport and admitted under its socket budget (`track`, `admitSocket`, `connectionCount`).
 */
import type { Socket } from "node:net";
import type { Logger } from "../base/logger.js";
import type { TcpTransport } from "../transport/tcp-transport.js";
import { LEGACY_DIALECT } from "./codec.js";
import type { LegacyLimits } from "./limits.js";
import { LegacyRouter, type LegacyRouterStats } from "./router.js";

/** What the legacy dialect is attached with. */
export interface LegacyDialectOptions {
  limits: LegacyLimits;
  logger: Logger;
  /** A legacy address gets at most one PONG (and one ADVERTISE_REPLY) this often, in milliseconds. */
  pongIntervalMs: number;
}

/** The legacy dialect as attached to one transport. */
export interface LegacyDialect {
  /** The counters of legacy messages received. */
  stats(): LegacyRouterStats;
  /** Stops taking one-shot messages and dialling legacy peers, and closes every legacy link. */
  detach(reason?: string): void;
}

/**
 * Teaches `transport` the original Python peers' wire. The dialect then lives as long as the transport:
 * its links close with the transport's other connections, when the transport closes. Throws
 * `ERR_NODE_STATE` when the transport speaks it already.
 */
export function attachLegacyDialect(transport: TcpTransport, options: LegacyDialectOptions): LegacyDialect {
  const { limits } = options;
  /** The one-shot sockets open now; with the transport's connections, they count against `maxConnections`. */
  const sockets = new Set<Socket>();
  const router = new LegacyRouter({
    limits,
    logger: options.logger,
    pongIntervalMs: options.pongIntervalMs,
    track: (socket) => {
      transport.track(socket);
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    },
    admitSocket: () => transport.admitSocket({ dialect: LEGACY_DIALECT }) && transport.connectionCount + sockets.size < limits.maxConnections,
  });
  const removeDialer = transport.registerDialect(LEGACY_DIALECT, {
    dial: (host, port, handlers) => router.dial(host, port, handlers),
    close: (reason) => router.closeAll(reason),
  });
  let removeOneShot: () => void;
  try {
    removeOneShot = transport.handleOneShotMessages((connection, text, handlers) => router.route(connection, text, handlers));
  } catch (error) {
    removeDialer();
    throw error;
  }
  return {
    stats: () => router.stats(),
    detach: (reason = "the legacy dialect was detached") => {
      removeOneShot();
      removeDialer();
      router.closeAll(reason);
    },
  };
}
