/**
 * Network keys (`--network-key FILE`): 32 random bytes shared by the nodes of a private network, kept
 * in a file as 64 hexadecimal characters. Only the text form lives here; the gate that uses the key is
 * built with the transport.
 */
import { randomBytes } from "node:crypto";
import { NetworkKeyError } from "./errors.js";

/** The length of a network key in bytes. */
export const NETWORK_KEY_BYTES = 32;

/** A new network key: 32 random bytes as 64 lowercase hexadecimal characters (what `peerkit network-key` prints). */
export function networkKeyText(): string {
  return randomBytes(NETWORK_KEY_BYTES).toString("hex");
}

/**
 * The 32 bytes of a network key's text: 64 hexadecimal characters, either case, white space anywhere
 * ignored (a trailing newline, a key split over lines).
 *
 * @throws NetworkKeyError for any other character, or another number of hexadecimal characters.
 */
export function parseNetworkKey(text: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (compact.length === 0) throw new NetworkKeyError("it is empty");
  if (!/^[0-9a-fA-F]*$/.test(compact)) throw new NetworkKeyError("it has characters other than 0-9, a-f and white space");
  if (compact.length !== NETWORK_KEY_BYTES * 2) throw new NetworkKeyError(`it has ${compact.length} hexadecimal characters instead of ${NETWORK_KEY_BYTES * 2}`);
  return Buffer.from(compact, "hex");
}
