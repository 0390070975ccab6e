/**
 * A second node with the id of a connected peer: the node that refuses it says so once (a warning)
 * and tells it why (a REFUSED `ID_TAKEN` frame before the close); the node refused turns that frame
 * into `ERR_ID_TAKEN` for whoever dialled, so that it reports the fix and redials only slowly.
 */
import { NDJSON_DIALECT, type Connection } from "../transport/transport.js";
import { IdTakenError } from "../base/errors.js";
import { ID_TAKEN, REFUSED_TYPE, type Refusal } from "../base/refusal.js";
import type { Logger } from "../base/logger.js";
import type { PeerInfo } from "../base/peer.js";
import { BoundedMap } from "../base/bounded-map.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import type { SecurityMode } from "./config.js";
import type { LocalPeerState } from "./local-peer.js";

/**
 * Whether a handshake claiming `holder`'s id comes from a second node rather than a second connection of
 * the same one: a node advertises one listening address on all its connections, a second node its own.
 */
export function claimsTakenId(info: PeerInfo, holder: PeerInfo | undefined): holder is PeerInfo {
  return holder !== undefined && (holder.host !== info.host || holder.port !== info.port);
}

/** How many distinct claims are remembered as reported, and for how long (ms). */
const REPORTED_CLAIMS = 256;
const REPORTED_CLAIM_MS = 3_600_000;

/** Both sides of an `ID_TAKEN` refusal, for one node. */
export class TakenIdRefusals {
  /** Connections this node dialled whose far end sent REFUSED `ID_TAKEN` before the handshake. */
  private readonly refusedBy = new WeakSet<Connection>();
  /** Connections the other node dialled on which it sent REFUSED `ID_TAKEN` (warned once closed). */
  private readonly refusedInbound = new WeakSet<Connection>();
  private readonly refusing: ThrottledWarning;
  private readonly refused: ThrottledWarning;
  /**
   * Claims already reported (`id@host:port`): a twin that redials slowly (keepalive's `refusedRedialMs`)
   * is reported once, not at each redial. Bounded, so a stranger cycling claims cannot grow it.
   */
  private readonly reported = new BoundedMap<true>(REPORTED_CLAIMS, REPORTED_CLAIM_MS);

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly self: LocalPeerState,
    private readonly security: SecurityMode,
  ) {
    this.refusing = new ThrottledWarning(logger, "refused a node that claims the id of a connected peer (a second node started with the same id?)", undefined, now);
    this.refused = new ThrottledWarning(logger, "a node refused this one: its id is already used by another node connected there", undefined, now);
  }

  /** Refuses `connection`, whose handshake claims `holder`'s id: one warning, a REFUSED frame (not to legacy peers), the close. */
  refuse(connection: Connection, info: PeerInfo, holder: PeerInfo): void {
    const fields = {
      id: info.id,
      claimedBy: `${info.host}:${info.port}`,
      remote: `${connection.remote.host}:${connection.remote.port}`,
      heldBy: `${holder.host}:${holder.port}`,
    };
    if (this.reported.add(`${fields.id}@${fields.claimedBy}`, true, this.now())) this.refusing.warn(fields);
    else this.logger.debug("refused again a node that claims the id of a connected peer", fields);
    if ((connection.dialect ?? NDJSON_DIALECT) === NDJSON_DIALECT) {
      const refusal: Refusal = { code: ID_TAKEN, id: info.id };
      connection.send(this.self.envelope(REFUSED_TYPE, refusal));
    }
    connection.close(`refused: the id ${info.id} is held by the connected peer at ${holder.host}:${holder.port}`);
  }

  /**
   * The far end of `connection` refused this node with `code`: remembered for the close. Only `ID_TAKEN`
   * (other codes are ignored). On a connection this node dialled, before the handshake only, the dial's
   * caller gets the error (`errorFor`) and reports it; on one the other node dialled, the warning at the
   * close (`closed`) is the report.
   */
  note(connection: Connection, code: string): void {
    if (connection.closed || code !== ID_TAKEN) return;
    // On a connection the other node dialled, this node bound it on its PING before answering: the
    // refusal of that answer comes bound, then the close. Warned at the close (`closed`), so that a
    // peer that says it and stays connected gets nothing said.
    if (connection.direction === "inbound") this.refusedInbound.add(connection);
    else if (connection.peerId === undefined) this.refusedBy.add(connection);
  }

  /** `connection` closed: if its far end refused this node's id on it first, the warning says so. */
  closed(connection: Connection): void {
    if (!this.refusedInbound.has(connection)) return;
    const fix = this.security === "tls" ? "give this node its own --data-dir" : "start this node with another --id";
    this.refused.warn({ remote: `${connection.remote.host}:${connection.remote.port}`, id: this.self.id, fix });
  }

  /** The error for the dial waiting on a connection that closed, when its far end refused this node's id. */
  errorFor(connection: Connection): IdTakenError | undefined {
    if (!this.refusedBy.has(connection)) return undefined;
    return new IdTakenError(connection.remote.host, connection.remote.port, this.self.id, this.security === "tls");
  }
}
