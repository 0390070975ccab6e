/**
 * Peer ids as a person sees and types them. A key-derived id (`pk_` + 52 characters, 55 in all) is too
 * long to read or type, so the chat shows it as its shortest prefix that no other known id starts with,
 * and never shorter than `pk_` + `MIN_PREFIX_CHARS` characters: `pk_25njqamc`. Any other id (a chosen
 * `--insecure` id, a legacy peer's) is a claim, not a key, and is shown whole: a prefix of a chosen text
 * would let two look-alike claims read the same.
 *
 * Why 8 characters: 40 bits, so two ids of a network share such a prefix only by a rare chance (about
 * one pair in 2^41 / n² for n known ids) and a shown prefix almost never grows as peers come and go; and
 * finding a key whose id starts with a given 8 characters costs about 2^40 key generations. A shown
 * prefix names one known peer when it is shown; typed back, it resolves to that peer, or is refused as
 * ambiguous once another known id shares it (`resolveMsgTarget`): it never silently names another peer.
 */
import { isPeerId, PEER_ID_LENGTH, PEER_ID_PREFIX } from "../secure/peer-id.js";
import { sanitizeText } from "../base/safe-text.js";

/** The fewest characters after `pk_` that a shown or typed id prefix has. */
export const MIN_PREFIX_CHARS = 8;

/** The shortest id prefix shown or accepted, `pk_` included: 11 characters. */
export const MIN_PREFIX_LENGTH = PEER_ID_PREFIX.length + MIN_PREFIX_CHARS;

/**
 * The short form of `id` among the `known` ids: for a key-derived id, its shortest prefix of at least
 * `MIN_PREFIX_LENGTH` characters that no other known id starts with (the whole id when another known id
 * starts with all of it); any other id as it is. `known` may contain `id` itself.
 */
export function abbreviatePeerId(id: string, known: Iterable<string>): string {
  if (!isPeerId(id)) return id;
  let length = MIN_PREFIX_LENGTH;
  for (const other of known) {
    if (other !== id) length = Math.max(length, commonPrefixLength(id, other) + 1);
  }
  return id.slice(0, length);
}

/** Whether `text` is a whole key-derived id (`isPeerId`, without narrowing a string to `never` when it is not). */
export function isFullPeerId(text: string): boolean {
  return isPeerId(text);
}

/** Whether `text` has the form of a typed id prefix: `pk_` and at least `MIN_PREFIX_CHARS` characters of an id. */
export function isIdPrefix(text: string): boolean {
  return text.length >= MIN_PREFIX_LENGTH && text.length <= PEER_ID_LENGTH && /^pk_[a-z2-7]+$/.test(text);
}

const PLAIN_NAME = /^[\w.:/@-]+$/;

/**
 * An id or host for a person: as it is when plain, else as a JSON string with unsafe characters escaped,
 * so that `"bob (3f2a)"` cannot pass for a nick and id, nor `"bob\u200b"` for `bob`.
 */
export function shownName(name: string): string {
  return PLAIN_NAME.test(name) ? name : sanitizeText(JSON.stringify(name), "escape");
}

function commonPrefixLength(a: string, b: string): number {
  const end = Math.min(a.length, b.length);
  let i = 0;
  while (i < end && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
