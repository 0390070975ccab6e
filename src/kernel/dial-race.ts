/**
 * The race of two nodes dialling each other at once, settled without another round trip: both keep the
 * connection dialled by the smaller id. A node only ever moves a peer onto its own dial, never onto an
 * inbound connection, so a stranger claiming a connected peer's id can never take its place.
 */
import type { PeerInfo } from "../base/peer.js";
import type { Connection } from "../transport/transport.js";

/** Whether `connection` is the one the race keeps between this node (`selfId`) and `peerId`. */
export function isPreferred(connection: Connection, selfId: string, peerId: string): boolean {
  const dialer = connection.direction === "outbound" ? selfId : peerId;
  return dialer === (selfId < peerId ? selfId : peerId);
}

/**
 * Whether `connection`, claiming `info.id`, replaces that peer's live `existing` connection: only this
 * node's own dial, preferred by the race rule, that reached the peer's advertised port (`advertisedPort`,
 * from its row) on the IP `existing` comes from, over an inbound `existing`.
 */
export function winsDialRace(connection: Connection, existing: Connection, info: PeerInfo, selfId: string, advertisedPort: number | undefined): boolean {
  if (connection.direction !== "outbound" || existing.direction !== "inbound") return false;
  if (!isPreferred(connection, selfId, info.id) || isPreferred(existing, selfId, info.id)) return false;
  return connection.remote.host === existing.remote.host && connection.remote.port === info.port && advertisedPort === info.port;
}
