/**
 * The shapes the chat printers read and write: the chat payloads they recognise in a message, and the
 * peer objects of the JSON events.
 */
import type { LinkedPeer, PeerRecord } from "../base/peer.js";
import { LEGACY_DIALECT } from "../legacy/codec.js";

/** The `/peers` row: what the JSON `peers` event carries for each peer. */
export interface PeerRow {
  id: string;
  host: string;
  port: number;
  nick?: string;
  lastSeen: number;
  legacy?: true;
}

/** A peer as the JSON events carry it: `legacy: true` for a legacy peer, no such key otherwise. */
export interface PeerObject {
  id: string;
  host: string;
  port: number;
  legacy?: true;
}

/** The payload a secure node re-publishes for a legacy peer's line (`LegacyRelay`), or undefined. */
export function asLegacyRelay(msg: unknown): { relayedFrom: string; msg: unknown } | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return undefined;
  const { relayedFrom, legacy } = msg as { relayedFrom?: unknown; legacy?: unknown };
  return typeof relayedFrom === "string" && legacy === true && "msg" in msg ? { relayedFrom, msg: (msg as { msg: unknown }).msg } : undefined;
}

/** A chat payload `{ text, nick? }`, or undefined when `msg` is some other JSON. */
export function asChatLine(msg: unknown): { text: string; nick?: string } | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return undefined;
  const { text, nick } = msg as { text?: unknown; nick?: unknown };
  if (typeof text !== "string") return undefined;
  return typeof nick === "string" && nick !== "" ? { text, nick } : { text };
}

/** A peer as the JSON events carry it. */
export function peerObject(peer: LinkedPeer): PeerObject {
  const object: PeerObject = { id: peer.id, host: peer.host, port: peer.port };
  if (peer.dialect === LEGACY_DIALECT) object.legacy = true;
  return object;
}

/** A peer as the JSON `peers` event carries it. */
export function peerRow(peer: PeerRecord): PeerRow {
  const row: PeerRow = { id: peer.id, host: peer.host, port: peer.port, lastSeen: peer.lastSeen };
  if (peer.nick !== undefined) row.nick = peer.nick;
  if (peer.dialect === LEGACY_DIALECT) row.legacy = true;
  return row;
}

/** ` [legacy]` after the name of a peer connected over the legacy dialect. */
export function legacyTag(peer: LinkedPeer): string {
  return peer.dialect === LEGACY_DIALECT ? " [legacy]" : "";
}
