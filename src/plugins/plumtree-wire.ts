/**
 * The wire messages of the broadcast plugin's tree mode (Plumtree), and the checks of their payloads.
 * BROADCAST itself is unchanged (`id`, `ttl`, payload in `msg`); these three only steer the tree.
 */
import { MAX_NAME_LENGTH, payloadCheck } from "../plugin-api.js";

/** Most message ids one IHAVE or GRAFT may carry (longer lists are refused; `broadcast.ihaveMaxIds` is at most this). */
export const MAX_PLUMTREE_IDS = 1024;

/**
 * PRUNE `{ root }`: "you sent me a copy of a message of originator `root` I already had: send me only
 * the ids (IHAVE) of `root`'s messages from now on". Without `root` (`{}`), for every originator.
 */
export const PRUNE = "PRUNE";
/** IHAVE `{ ids }`: "I have these messages". An empty list only says that the sender speaks tree mode. */
export const IHAVE = "IHAVE";
/** GRAFT `{ ids }`: "send me these messages, and push every new one to me from now on". */
export const GRAFT = "GRAFT";

/** The payload of IHAVE and GRAFT. */
export interface IdList {
  /** Message ids (BROADCAST `id`s), at most `MAX_PLUMTREE_IDS`. */
  ids: string[];
}

/** The payload of PRUNE. */
export interface PrunePayload {
  /** The originator whose messages are to be announced rather than pushed; absent: every originator. */
  root?: string;
}

/** The payload check of IHAVE: `{ ids }` with 0 to `MAX_PLUMTREE_IDS` ids. */
export const checkIHave = payloadCheck<IdList>((msg) => checkIds(msg, 0));

/** The payload check of GRAFT: `{ ids }` with 1 to `MAX_PLUMTREE_IDS` ids. */
export const checkGraft = payloadCheck<IdList>((msg) => checkIds(msg, 1));

/** The payload check of PRUNE: `{ root? }`, `root` a peer id (other fields are ignored). */
export const checkPrune = payloadCheck<PrunePayload>((msg) => {
  const expected = `expected { root? } with root a peer id (a non-empty string of at most ${MAX_NAME_LENGTH} characters)`;
  if (!isObject(msg)) return expected;
  const root = (msg as PrunePayload).root;
  return root === undefined || isName(root) ? undefined : expected;
});

function checkIds(msg: unknown, min: number): string | undefined {
  const expected = `expected { ids: [...] } with ${min} to ${MAX_PLUMTREE_IDS} message ids (non-empty strings of at most ${MAX_NAME_LENGTH} characters)`;
  if (!isObject(msg)) return expected;
  const ids = (msg as { ids?: unknown }).ids;
  if (!Array.isArray(ids) || ids.length < min || ids.length > MAX_PLUMTREE_IDS) return expected;
  for (const id of ids) if (!isName(id)) return expected;
  return undefined;
}

function isName(value: unknown): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
