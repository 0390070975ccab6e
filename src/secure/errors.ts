/**
 * The secure room's errors: one class per condition, each a `PeerkitError` with a stable `code` and a
 * message that says what happened and what to do about it.
 */
import { PeerkitError } from "../base/errors.js";

/** The identity key file cannot be used: unreadable, readable by others, or not an ed25519 private key. */
export class IdentityKeyError extends PeerkitError {
  /** The key file's path. */
  readonly path: string;

  constructor(path: string, reason: string, fix: string, options?: { cause?: unknown }) {
    super("ERR_IDENTITY_KEY", `Cannot use the identity key ${path}: ${reason}. ${fix}`, options);
    this.path = path;
  }
}

/** A text that should be a peer id is not one (wrong prefix, length, alphabet or a non-canonical form). */
export class InvalidPeerIdError extends PeerkitError {
  constructor(text: string, reason: string) {
    super(
      "ERR_INVALID_PEER_ID",
      `"${shorten(text)}" is not a peerkit peer id: ${reason}. A peer id is "pk_" followed by 52 characters ` +
        "a-z and 2-7, as printed by `peerkit id --data-dir DIR` or shown in /peers.",
    );
  }
}

/** A TLS peer did not prove an acceptable identity: no certificate, not ed25519, TLS 1.2, a resumed session, or a key of small order. */
export class PeerAuthenticationError extends PeerkitError {
  constructor(reason: string) {
    super(
      "ERR_PEER_AUTHENTICATION",
      `The peer did not prove a peerkit identity: ${reason}. The connection was refused; the peer must run ` +
        "a peerkit node in secure mode (protocol v2), which presents a self-signed ed25519 certificate of its identity key.",
    );
  }
}

/** A network key's text is not 32 bytes written as 64 hexadecimal characters. */
export class NetworkKeyError extends PeerkitError {
  constructor(reason: string) {
    super(
      "ERR_NETWORK_KEY",
      `Invalid network key: ${reason}. A network key is 32 bytes written as 64 hexadecimal characters ` +
        "(white space ignored); create one with `peerkit network-key > FILE` and give every node of the network the same file.",
    );
  }
}

/** A libsodium function was called before libsodium was loaded. */
export class CryptoNotReadyError extends PeerkitError {
  constructor() {
    super(
      "ERR_CRYPTO_NOT_READY",
      "libsodium is not loaded yet. Await sodiumReady() once (at node start) before sealing or opening a box.",
    );
  }
}

/**
 * A connection did not pass the private-network gate: the peer did not prove, within the handshake
 * timeout, that it holds this node's network key (it holds another key or none, speaks another
 * protocol, stalled, or closed the connection). The connection was closed.
 */
export class NetworkKeyMismatchError extends PeerkitError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      "ERR_NETWORK_KEY_MISMATCH",
      `The peer did not prove this node's network key: ${reason}. The connection was closed. The peer does not hold ` +
        "this node's network key, or is not a peerkit node of a private network; check that both use the same --network-key file.",
      options,
    );
  }
}

/** At most 80 characters of an untrusted text, for an error message. */
function shorten(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}
