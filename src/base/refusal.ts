/**
 * REFUSED: the frame a node sends on a connection just before it closes it for a reason the far end can
 * fix, so that the far end reports the reason instead of "the connection closed". It is an ordinary
 * envelope of a type older nodes do not know (they ignore it, debug log), and it is never sent over the
 * legacy dialect: the original Python peers never see it.
 */

/** The message type of a refusal: `{ code, id? }`. */
export const REFUSED_TYPE = "REFUSED";

/** The id the newcomer claims is held by another connected node (a second node started with the same id). */
export const ID_TAKEN = "ID_TAKEN";

/** The payload of a REFUSED frame. `code` says why (`ID_TAKEN`); codes a node does not know are ignored. */
export interface Refusal {
  code: string;
  /** With `ID_TAKEN`: the id that is taken. */
  id?: string;
}

/** Longest `code` and `id` accepted in a REFUSED frame. */
const MAX_REFUSAL_FIELD = 256;

/** The payload check of REFUSED: the reason it is not a `Refusal`, or undefined when it is one. */
export function checkRefusal(msg: unknown): string | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return "REFUSED payload must be an object { code, id? }";
  const { code, id } = msg as { code?: unknown; id?: unknown };
  if (typeof code !== "string" || code === "" || code.length > MAX_REFUSAL_FIELD) return `REFUSED code must be a string of 1 to ${MAX_REFUSAL_FIELD} characters`;
  if (id !== undefined && (typeof id !== "string" || id.length > MAX_REFUSAL_FIELD)) return `REFUSED id must be a string of at most ${MAX_REFUSAL_FIELD} characters`;
  return undefined;
}
