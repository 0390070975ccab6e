/**
 * Which peer ids name a usable key (not of small order, canonically encoded; see `isUsablePublicKey`),
 * remembered per id: the TLS channel and the signature checks of one node share one such check, so a
 * peer's key is checked once, not at each connection and each message.
 */
import { isPeerId, rawPublicKeyOfPeerId } from "./peer-id.js";
import { isUsablePublicKey } from "./sealed-box.js";

/** How many verdicts a check remembers by default. */
export const USABLE_IDS_KEPT = 4096;

/** Whether a peer id names a usable key; false for a text that is no peer id. Never throws once libsodium is ready. */
export type UsableIdCheck = (peerId: string) => boolean;

/** A check that remembers its last `capacity` verdicts (the oldest forgotten first). */
export function usableIdCheck(capacity: number = USABLE_IDS_KEPT): UsableIdCheck {
  const verdicts = new Map<string, boolean>();
  return (peerId) => {
    const known = verdicts.get(peerId);
    if (known !== undefined) return known;
    const usable = isPeerId(peerId) && isUsablePublicKey(rawPublicKeyOfPeerId(peerId));
    if (verdicts.size >= capacity) verdicts.delete(verdicts.keys().next().value as string);
    verdicts.set(peerId, usable);
    return usable;
  };
}
