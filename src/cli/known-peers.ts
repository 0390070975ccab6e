/**
 * The peers the chat knows by name: the connected peers (from the peer table, with the nick each gave in
 * its handshake) and the last `REMEMBERED_PEERS` peers seen as the originator of a delivered broadcast
 * or one-to-one message, or as a connected peer. What abbreviations are unique among, and what `/msg`
 * resolves nicks and id prefixes against.
 *
 * A nick counts only while its peer is connected, as that peer's handshake gave it: the handshake binds
 * the nick to the id the connection carries (on a secure node, the key it proved). The nick inside a
 * chat line is the line's own claim, which nothing binds to its originator (any peer may put any nick
 * in any line it relays or makes up), so it is shown but never resolved.
 */
import { isNick, type PeerRecord } from "../base/peer.js";
import type { Envelope } from "../base/envelope.js";
import { LEGACY_DIALECT, LEGACY_TIME_FIELD } from "../legacy/codec.js";
import { abbreviatePeerId } from "./peer-names.js";

/** How many peers seen but not connected are remembered (the oldest seen is forgotten first). */
export const REMEMBERED_PEERS = 256;

/** A peer the chat knows. */
export interface KnownPeer {
  id: string;
  /** The nick its handshake gave, while it is connected and the nick is a valid one (`isNick`). */
  nick?: string;
  /** True when it is (or was, when last connected) connected over the legacy dialect. */
  legacy: boolean;
  /** True while it is connected. */
  connected: boolean;
}

/** What the printers ask about a peer. */
export interface PeerDirectory {
  /** The id as a person sees it: abbreviated when that is unambiguous (`abbreviatePeerId`), not yet made safe to print. */
  abbreviate(id: string): string;
  /** The handshake nick of a connected peer, when it has a valid one. */
  nickOf(id: string): string | undefined;
  /** Whether the peer is known to speak the legacy dialect (its connection does, or did when last connected). */
  isLegacy(id: string): boolean;
}

/** The peer table's side that `KnownPeers` reads. */
export interface ConnectedPeers {
  connected(): PeerRecord[];
}

/** The connected peers plus a bounded memory of peers seen; see the module comment. */
export class KnownPeers implements PeerDirectory {
  /** Peer id → whether it was a legacy peer when last connected; in the order last seen (oldest first). */
  private readonly seen = new Map<string, boolean>();

  constructor(
    private readonly table: ConnectedPeers,
    private readonly capacity = REMEMBERED_PEERS,
  ) {}

  /**
   * Remembers a peer just seen, as the most recent. `legacy` is given when it just connected (whether its
   * connection speaks the legacy dialect); a message leaves the earlier value as it was.
   */
  remember(id: string, legacy?: boolean): void {
    const previous = this.seen.get(id) ?? false;
    this.seen.delete(id);
    this.seen.set(id, legacy ?? previous);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Every known peer: the connected ones first (in the table's order), then the remembered ones, oldest first. */
  list(): KnownPeer[] {
    const peers = new Map<string, KnownPeer>();
    for (const row of this.table.connected()) {
      const peer: KnownPeer = { id: row.id, legacy: row.dialect === LEGACY_DIALECT, connected: true };
      if (isNick(row.nick)) peer.nick = row.nick;
      peers.set(row.id, peer);
    }
    for (const [id, legacy] of this.seen) if (!peers.has(id)) peers.set(id, { id, legacy, connected: false });
    return [...peers.values()];
  }

  abbreviate(id: string): string {
    return abbreviatePeerId(id, this.ids());
  }

  nickOf(id: string): string | undefined {
    const nick = this.table.connected().find((row) => row.id === id)?.nick;
    return isNick(nick) ? nick : undefined;
  }

  isLegacy(id: string): boolean {
    const row = this.table.connected().find((r) => r.id === id);
    return row ? row.dialect === LEGACY_DIALECT : this.seen.get(id) === true;
  }

  private *ids(): Iterable<string> {
    for (const row of this.table.connected()) yield row.id;
    yield* this.seen.keys();
  }
}

/**
 * Whether a message reached this node over the legacy wire: it carries the legacy `time` that only the
 * legacy codec sets and relays keep (so its originator is an original Python peer, or one of them
 * relayed it, and nothing vouches for its originator), or its originator is a known legacy peer.
 */
export function isLegacyMessage(envelope: Envelope, directory: PeerDirectory): boolean {
  return Object.hasOwn(envelope, LEGACY_TIME_FIELD) || directory.isLegacy(envelope.originator);
}

/** A directory that knows nobody: ids shown whole, no nick, nobody legacy (printers used without a node). */
export const NO_PEERS: PeerDirectory = {
  abbreviate: (id) => id,
  nickOf: () => undefined,
  isLegacy: () => false,
};
