/**
 * Who gets a slot: which pending connection is closed so that a newcomer fits, and whether a handshake
 * may take a peer slot. Pure functions over the connections the pool holds, so the rules read in one
 * place (README, "Limits and hostile peers").
 *
 * - A pending (not yet handshaken) inbound connection never keeps a newcomer out: at a pending budget,
 *   or at `maxConnections`, the oldest pending inbound connection of the address holding the most
 *   pending ones is closed to admit the new one. An attacker's idle sockets only push out each other.
 * - The node's own dials are never evicted by inbound ones: they are bounded by the node itself.
 * - Inbound peers may take `maxInboundPeers` of the `maxPeers` slots, and `maxInboundPeersPerAddress` from
 *   one source IP; the rest is kept for the peers this node dials (bootstrap, joins, peer exchange), as
 *   Bitcoin keeps its outbound slots, so an inbound flood can never eclipse the node. With the inbound
 *   slots full, a newcomer from a less represented network group takes the slot of the youngest peer of
 *   the largest group (`inboundPeerToEvict`), so a few networks cannot hold every slot either.
 */
import { networkGroup, sourceKeyOf } from "../base/network-address.js";
import type { Limits, SecurityMode } from "./config.js";
import type { Envelope } from "../base/envelope.js";
import { PEER_ID_PREFIX } from "../base/peer.js";

export { networkGroup, sourceKeyOf } from "../base/network-address.js";
import { NDJSON_DIALECT, type Connection } from "../transport/transport.js";

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
  const remaining = (): Connection[] => pendingInbound.filter((c) => !chosen.has(c));

  const host = sourceKeyOf(newcomer.remote.host);
  const sameAddress = pendingInbound.filter((c) => sourceKeyOf(c.remote.host) === host);
  if (sameAddress.length >= limits.maxPendingPerAddress) {
    evict(sameAddress[0]!, `closed to admit a newer connection: ${sameAddress.length + 1} pending connections from ${host} (limits.maxPendingPerAddress ${limits.maxPendingPerAddress})`);
  }
  if (pendingInbound.length - chosen.size >= limits.maxPendingConnections) {
    const victim = oldestOfBusiestAddress(remaining());
    if (victim) evict(victim, `closed to admit a newer connection: ${limits.maxPendingConnections} connections pending (limits.maxPendingConnections)`);
  }
  if (openCount - chosen.size > limits.maxConnections) {
    const victim = oldestOfBusiestAddress(remaining());
    if (victim) evict(victim, `closed to admit a newer connection: ${limits.maxConnections} connections open (limits.maxConnections)`);
    else evict(newcomer, `too many open connections: ${openCount - 1} handshaken or dialled by this node >= limits.maxConnections ${limits.maxConnections}`);
  }
  return evictions;
}

/**
 * The oldest pending connection of the address holding the most pending ones: a flood from a few
 * addresses evicts itself, and an honest peer whose PING is slow to arrive is not the first to go.
 */
function oldestOfBusiestAddress(pending: readonly Connection[]): Connection | undefined {
  const byHost = new Map<string, Connection[]>();
  for (const connection of pending) {
    const key = sourceKeyOf(connection.remote.host);
    const list = byHost.get(key);
    if (list) list.push(connection);
    else byHost.set(key, [connection]);
  }
  let busiest: Connection[] | undefined;
  for (const list of byHost.values()) if (!busiest || list.length > busiest.length) busiest = list;
  return busiest?.[0];
}

/**
 * With every inbound peer slot taken, the inbound peer to evict so that `newcomer` fits: the youngest
 * peer of the network group holding the most inbound peers, when that group holds more than the
 * newcomer's group would with it; else undefined (the newcomer is refused). `bound` are the connected
 * peers' connections, oldest first. So a few networks can never hold every inbound slot against a
 * newcomer from another.
 */
export function inboundPeerToEvict(newcomer: Connection, bound: Iterable<Connection>): Connection | undefined {
  const groups = new Map<string, Connection[]>();
  for (const connection of bound) {
    if (connection.direction !== "inbound") continue;
    const group = networkGroup(connection.remote.host);
    const list = groups.get(group);
    if (list) list.push(connection);
    else groups.set(group, [connection]);
  }
  let largest: Connection[] | undefined;
  for (const list of groups.values()) if (!largest || list.length > largest.length) largest = list;
  const own = groups.get(networkGroup(newcomer.remote.host))?.length ?? 0;
  return largest && largest.length > own + 1 ? largest[largest.length - 1] : undefined;
}

/** Why a handshake may not take a new peer slot; `full` when only a full table of peers stands in the way. */
export interface SlotRefusal {
  reason: string;
  /** The slots are all taken (not a per-address cap): an inbound newcomer may take one by eviction. */
  full: boolean;
}

/**
 * Why a handshake on `newcomer` may not take a new peer slot, or undefined when it may. `bound` are the
 * connections of the peers already connected.
 */
export function peerSlotRefusal(newcomer: Connection, bound: Iterable<Connection>, limits: AdmissionLimits): SlotRefusal | undefined {
  let total = 0;
  let inbound = 0;
  let sameAddress = 0;
  const source = sourceKeyOf(newcomer.remote.host);
  for (const connection of bound) {
    total++;
    if (connection.direction !== "inbound") continue;
    inbound++;
    if (sourceKeyOf(connection.remote.host) === source) sameAddress++;
  }
  const isInbound = newcomer.direction === "inbound";
  if (isInbound && sameAddress >= limits.maxInboundPeersPerAddress) {
    return { reason: `too many peers from ${newcomer.remote.host} (limits.maxInboundPeersPerAddress ${limits.maxInboundPeersPerAddress})`, full: false };
  }
  if (total >= limits.maxPeers) return { reason: `peer limit reached (limits.maxPeers ${limits.maxPeers})`, full: true };
  if (isInbound && inbound >= limits.maxInboundPeers) {
    return {
      reason: `inbound peer limit reached (limits.maxInboundPeers ${limits.maxInboundPeers}); the other slots are kept for peers this node dials`,
      full: true,
    };
  }
  return undefined;
}

/**
 * Why a connection cannot carry the peer id its handshake claims, or undefined when it can. On a link
 * whose far end proved a key (protocol v2), the claim must be that key's id: the id is what was proved,
 * never what was said. A secure node takes no plaintext peerkit link at all. A plaintext peer (an
 * `--insecure` node's, or a legacy peer's) can never hold a key-derived id.
 */
export function identityRefusal(connection: Connection, claimedId: string, security: SecurityMode): string | undefined {
  if (connection.provenPeerId !== undefined) {
    if (claimedId === connection.provenPeerId) return undefined;
    return `protocol error: the handshake claims the id ${claimedId} but the connection proved the key of ${connection.provenPeerId}`;
  }
  const dialect = connection.dialect ?? NDJSON_DIALECT;
  if (security === "tls" && dialect === NDJSON_DIALECT) {
    return "a plaintext peerkit connection on a secure node (it proved no key): refused";
  }
  if (claimedId.startsWith(PEER_ID_PREFIX)) {
    return `a plaintext peer claims the key-derived id ${claimedId}, which only a peer that proved that key may hold: refused`;
  }
  return undefined;
}

/**
 * Why a frame cannot be taken as its `originator`'s, or undefined when it can. An unsigned frame speaks
 * only for the link it came on: on a link whose far end proved a key, its originator must be that key's
 * id (only signed messages may carry another node's words, and their plugins verify them); on a
 * plaintext link of a secure node (a legacy peer's), it may not name a key-derived id at all.
 */
export function originatorRefusal(connection: Connection, envelope: Envelope, security: SecurityMode): string | undefined {
  if (envelope.signature !== undefined) return undefined;
  if (connection.provenPeerId !== undefined) {
    if (envelope.originator === connection.provenPeerId) return undefined;
    return `an unsigned ${envelope.msg_type} in the name of ${envelope.originator} on a link that proved ${connection.provenPeerId}: only signed messages may speak for another node`;
  }
  if (security === "tls" && envelope.originator.startsWith(PEER_ID_PREFIX)) {
    return `a plaintext ${envelope.msg_type} in the name of the key-derived id ${envelope.originator}, which speaks only over its own key`;
  }
  return undefined;
}
