/**
 * Who gets a slot: which pending connection is closed so that a newcomer fits, and whether a handshake
 * may take a peer slot. Pure functions over the connections the pool holds, so the rules read in one
 * place (README, "Limits and hostile peers").
 *
 * - A pending (not yet handshaken) inbound connection never keeps a newcomer out: at a pending budget,
 *   or at `maxConnections`, the oldest pending inbound connection is closed to admit the new one. An
 *   attacker's idle sockets only ever push out each other (and, from one address, each other first).
 * - The node's own dials are never evicted by inbound ones: they are bounded by the node itself.
 * - Inbound peers may take `maxInboundPeers` of the `maxPeers` slots, and `maxInboundPeersPerAddress` from
 *   one source IP; the rest is kept for the peers this node dials (bootstrap, joins, peer exchange), as
 *   Bitcoin keeps its outbound slots, so an inbound flood can never eclipse the node.
 */
import type { Limits } from "./config.js";
import type { Connection } from "../transport/transport.js";

/** The limits admission reads. */
export type AdmissionLimits = Pick<
  Limits,
  "maxConnections" | "maxPendingConnections" | "maxPendingPerAddress" | "maxPeers" | "maxInboundPeers" | "maxInboundPeersPerAddress"
>;

/** A connection to close, and the reason given to it (and logged). */
export interface Eviction {
  connection: Connection;
  reason: string;
}

/**
 * The connections to close so that `newcomer`, an inbound connection that just opened, fits:
 * `pendingInbound` are the other pending inbound connections, oldest first; `openCount` counts every
 * open connection, the newcomer included. The newcomer itself is in the result only when every other
 * slot is held by handshaken peers or the node's own dials.
 */
export function evictionsFor(newcomer: Connection, pendingInbound: readonly Connection[], openCount: number, limits: AdmissionLimits): Eviction[] {
  const evictions: Eviction[] = [];
  const chosen = new Set<Connection>();
  const evict = (connection: Connection, reason: string): void => {
    chosen.add(connection);
    evictions.push({ connection, reason });
  };
  const oldestNotChosen = (): Connection | undefined => pendingInbound.find((c) => !chosen.has(c));

  const host = newcomer.remote.host;
  const sameAddress = pendingInbound.filter((c) => c.remote.host === host);
  if (sameAddress.length >= limits.maxPendingPerAddress) {
    evict(sameAddress[0]!, `closed to admit a newer connection: ${sameAddress.length + 1} pending connections from ${host} (limits.maxPendingPerAddress ${limits.maxPendingPerAddress})`);
  }
  if (pendingInbound.length - chosen.size >= limits.maxPendingConnections) {
    const oldest = oldestNotChosen();
    if (oldest) evict(oldest, `closed to admit a newer connection: ${limits.maxPendingConnections} connections pending (limits.maxPendingConnections)`);
  }
  if (openCount - chosen.size > limits.maxConnections) {
    const oldest = oldestNotChosen();
    if (oldest) evict(oldest, `closed to admit a newer connection: ${limits.maxConnections} connections open (limits.maxConnections)`);
    else evict(newcomer, `too many open connections: ${openCount - 1} handshaken or dialled by this node >= limits.maxConnections ${limits.maxConnections}`);
  }
  return evictions;
}

/**
 * Why a handshake on `newcomer` may not take a new peer slot, or undefined when it may. `bound` are the
 * connections of the peers already connected.
 */
export function peerSlotRefusal(newcomer: Connection, bound: Iterable<Connection>, limits: AdmissionLimits): string | undefined {
  let total = 0;
  let inbound = 0;
  let sameAddress = 0;
  for (const connection of bound) {
    total++;
    if (connection.direction !== "inbound") continue;
    inbound++;
    if (connection.remote.host === newcomer.remote.host) sameAddress++;
  }
  if (total >= limits.maxPeers) return `peer limit reached (limits.maxPeers ${limits.maxPeers})`;
  if (newcomer.direction !== "inbound") return undefined;
  if (inbound >= limits.maxInboundPeers) {
    return `inbound peer limit reached (limits.maxInboundPeers ${limits.maxInboundPeers}); the other slots are kept for peers this node dials`;
  }
  if (sameAddress >= limits.maxInboundPeersPerAddress) {
    return `too many peers from ${newcomer.remote.host} (limits.maxInboundPeersPerAddress ${limits.maxInboundPeersPerAddress})`;
  }
  return undefined;
}
