/** The peer table: who this node knows, their listening addresses, and when each was last heard from. */
import type { PeerInfo, PeerRecord } from "../base/peer.js";
import type { PeerView } from "./capabilities.js";

/**
 * The node's peers by id. Connected peers are added by the handshake and removed when their connection
 * closes; `add()` from the API records a known peer without a connection (`connected: false`).
 * Reads return copies, so a caller can never change a row behind the table's back. Plugins get its
 * read-only side (`PeerView`, `TOKENS.Peers`).
 */
export class PeerTable implements PeerView {
  private readonly rows = new Map<string, PeerRecord>();

  /** Every peer, in the order they were added. */
  list(): PeerRecord[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  /** The peers with an open, handshaken connection. */
  connected(): PeerRecord[] {
    return this.list().filter((row) => row.connected);
  }

  /** How many peers are connected. */
  connectedCount(): number {
    let count = 0;
    for (const row of this.rows.values()) if (row.connected) count++;
    return count;
  }

  /** The peer with this id, or undefined. */
  find(id: string): PeerRecord | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  /** The peer that advertised this listening address, or undefined. */
  findByAddress(host: string, port: number): PeerRecord | undefined {
    for (const row of this.rows.values()) if (row.host === host && row.port === port) return { ...row };
    return undefined;
  }

  /** Whether a peer with this id is in the table. */
  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** Adds a peer, or updates its address, nick and state when it is already known. Returns the row. */
  add(info: PeerInfo & { nick?: string }, state: { connected?: boolean; lastSeen?: number; dialect?: string } = {}): PeerRecord {
    const previous = this.rows.get(info.id);
    const row: PeerRecord = {
      id: info.id,
      host: info.host,
      port: info.port,
      connected: state.connected ?? previous?.connected ?? false,
      lastSeen: state.lastSeen ?? previous?.lastSeen ?? 0,
    };
    const nick = info.nick ?? previous?.nick;
    if (nick !== undefined) row.nick = nick;
    const dialect = state.dialect ?? previous?.dialect;
    if (dialect !== undefined) row.dialect = dialect;
    this.rows.set(info.id, row);
    return { ...row };
  }

  /** Records that a frame from this peer just arrived. */
  touch(id: string, now: number): void {
    const row = this.rows.get(id);
    if (row) row.lastSeen = now;
  }

  /** Removes a peer; returns whether it was there. */
  remove(id: string): boolean {
    return this.rows.delete(id);
  }

  /** How many peers are in the table. */
  get size(): number {
    return this.rows.size;
  }
}
