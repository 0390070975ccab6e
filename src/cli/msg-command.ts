/**
 * The chat command `/msg PEER TEXT`: a one-to-one message. Parsing and resolving the target here;
 * sending and reporting the outcome in `ChatSession`.
 *
 * PEER, in this order:
 * 1. a full key-derived id (`isPeerId`): sent as is, known or not, since the destination may be many
 *    hops away;
 * 2. the exact id of a known peer (a chosen `--insecure` id, a legacy peer's);
 * 3. the handshake nick of a connected peer, or a prefix of a known peer's key-derived id (`pk_` and at
 *    least 8 characters, as the chat shows ids): it must name exactly one peer, whichever way; two
 *    peers (two peers with one nick, a prefix two ids share, or a nick that is also another peer's id
 *    prefix) is an error naming them, and nothing is sent;
 * 4. anything else: on a secure node an error; on an `--insecure` node it is sent as is, since a chosen
 *    id of a node many hops away looks like any other word.
 * A connected legacy peer is refused: the original Python peers have no one-to-one messages.
 */
import { PeerkitError } from "../base/errors.js";
import { PEER_ID_PREFIX } from "../base/peer.js";
import type { KnownPeer } from "./known-peers.js";
import { abbreviatePeerId, isFullPeerId, isIdPrefix, MIN_PREFIX_CHARS, shownName } from "./peer-names.js";

/** What `/msg` prints when its arguments are missing. */
export const MSG_USAGE =
  "usage: /msg PEER TEXT, where PEER is a peer id, a unique prefix of one as the chat shows it (pk_ and at least 8 characters), or a connected peer's nick; e.g. /msg alice hello (/peers lists them)";

/** A parsed `/msg`: the destination as typed and the text to send. */
export interface MsgCommand {
  to: string;
  text: string;
}

/** Where a `/msg` goes: the full id, and the known peer it names when it names one. */
export interface MsgTarget {
  to: string;
  peer?: KnownPeer;
}

/** The most candidates an ambiguity error lists. */
const MAX_LISTED = 8;

/** `/msg` named no known peer, on a secure node. */
export class UnknownTargetError extends PeerkitError {
  constructor(target: string, why: string) {
    super(
      "ERR_UNKNOWN_TARGET",
      `${JSON.stringify(target)} ${why}. Give a full peer id (sent as is, even to a peer this node has not seen), ` +
        `a unique prefix of a known peer's id (pk_ and at least ${MIN_PREFIX_CHARS} characters), or the nick of a connected peer; /peers lists them.`,
    );
  }
}

/** `/msg` named more than one known peer. */
export class AmbiguousTargetError extends PeerkitError {
  /** The peers it could mean. */
  readonly candidates: readonly KnownPeer[];

  constructor(target: string, candidates: readonly KnownPeer[], known: readonly KnownPeer[]) {
    const ids = known.map((peer) => peer.id);
    const listed = candidates.slice(0, MAX_LISTED).map((peer) => describeCandidate(peer, ids));
    const more = candidates.length > MAX_LISTED ? ` and ${candidates.length - MAX_LISTED} more` : "";
    super(
      "ERR_AMBIGUOUS_TARGET",
      `${JSON.stringify(target)} matches ${candidates.length} peers: ${listed.join(", ")}${more}. Give more of the id (/peers lists the full ids).`,
    );
    this.candidates = candidates;
  }
}

/** `/msg` named a legacy peer, which cannot take a one-to-one message. */
export class LegacyTargetError extends PeerkitError {
  constructor(peer: KnownPeer) {
    super(
      "ERR_LEGACY_TARGET",
      `${shownName(peer.id)} is a legacy peer (an original Python peer): the legacy protocol has no one-to-one messages. Send a plain line (a broadcast) instead.`,
    );
  }
}

/**
 * Parses what follows `/msg` on the line: the target, then the text. The text is the rest of the line
 * after the whitespace that ends the target, kept as typed (inner spaces included). Undefined when the
 * target or the text is missing.
 */
export function parseMsgArgs(rest: string): MsgCommand | undefined {
  const match = /^\s+(\S+)\s+([\s\S]*)$/.exec(rest);
  if (!match || match[2]!.trim() === "") return undefined;
  return { to: match[1]!, text: match[2]! };
}

/**
 * Resolves a `/msg` target against the known peers (the module comment gives the rules).
 *
 * @throws AmbiguousTargetError when it names more than one known peer.
 * @throws UnknownTargetError when it names none and is not a full id, on a secure node.
 * @throws LegacyTargetError when it names a connected legacy peer.
 */
export function resolveMsgTarget(target: string, known: readonly KnownPeer[], options: { insecure: boolean }): MsgTarget {
  const exact = known.find((peer) => peer.id === target);
  if (exact) return checked({ to: exact.id, peer: exact });
  if (isFullPeerId(target)) return { to: target };

  const prefix = isIdPrefix(target);
  const candidates = known.filter((peer) => peer.nick === target || (prefix && peer.id.startsWith(target)));
  if (candidates.length === 1) return checked({ to: candidates[0]!.id, peer: candidates[0]! });
  if (candidates.length > 1) throw new AmbiguousTargetError(target, candidates, known);

  if (options.insecure) return { to: target };
  if (target.startsWith(PEER_ID_PREFIX) && !prefix) {
    throw new UnknownTargetError(target, `is neither a full peer id nor a prefix of one (pk_ and at least ${MIN_PREFIX_CHARS} of the characters a-z and 2-7)`);
  }
  throw new UnknownTargetError(target, prefix ? "is the start of no known peer's id" : "is the nick of no connected peer");
}

function checked(target: MsgTarget & { peer: KnownPeer }): MsgTarget {
  if (target.peer.legacy && target.peer.connected) throw new LegacyTargetError(target.peer);
  return target;
}

/** A candidate as an ambiguity error lists it: `pk_25njqamcw (alice)`, `py-5001 [legacy]`. */
function describeCandidate(peer: KnownPeer, ids: readonly string[]): string {
  const nick = peer.nick === undefined ? "" : ` (${peer.nick})`;
  return `${shownName(abbreviatePeerId(peer.id, ids))}${nick}${peer.legacy ? " [legacy]" : ""}`;
}
