/**
 * The capability of protocol v2's message security (`TOKENS.Security`), as plugins see it. The kernel
 * only declares it: the composition root builds it from `src/secure` (ed25519 signatures, libsodium
 * sealed boxes) and the kernel's `SequenceWindow`.
 */
import type { Envelope } from "../base/envelope.js";

/** Options of `MessageSecurity.create`. */
export interface SignedExtras {
  /** Destination peer id, for one-to-one messages (inside the signature). */
  to?: string;
  /** Hops left (outside the signature: each relay lowers it). */
  ttl?: number;
}

/**
 * Signing, verifying, replay refusal and one-to-one encryption for the messages a plugin originates and
 * relays. On a secure node (the default) every message made by `create` is signed by this node's key:
 * its bytes travel unchanged from relay to relay, and its `id` is the hash of those bytes. On an
 * `--insecure` node (`secure` false) `create` makes a plain protocol-v1 envelope with a random id,
 * `verify` and `isNewSequence` accept unsigned envelopes, and `seal` throws.
 */
export interface MessageSecurity {
  /** False on an `--insecure` node (plaintext protocol v1). */
  readonly secure: boolean;
  /** A new message from this node: signed, with the next sequence number, on a secure node. */
  create<T>(type: string, msg: T, extras?: SignedExtras): Envelope<T>;
  /**
   * Whether an arriving message may be believed: on a secure node, it carries a signature that
   * verifies under its originator's key (the originator id is the key). Never throws.
   */
  verify(envelope: Envelope): boolean;
  /**
   * `verify`'s verdict, with a signature checked off the event loop (in libuv's thread pool). Never
   * rejects. Each call is one verification: `ReplayGuard.admitOffLoop` shares one among the copies of a message.
   */
  verifyOffLoop(envelope: Envelope): Promise<boolean>;
  /** How many verifications started by `verifyOffLoop` are still running. */
  readonly verificationsRunning: number;
  /** Resolves once no verification started by `verifyOffLoop` is still running (tests settle on it). */
  verificationsDone(): Promise<void>;
  /**
   * Whether a verified message's (originator, sequence number) was not accepted before: replays are
   * refused even after their id left the seen-cache. Call once per message, after `verify`.
   */
  isNewSequence(envelope: Envelope): boolean;
  /** Whether `id` is a key-derived peer id, to which messages can be encrypted. */
  isKeyId(id: string): boolean;
  /** `plaintext` encrypted to the peer `to` (a libsodium sealed box), as text for a payload. */
  seal(to: string, plaintext: Uint8Array): string;
  /** The plaintext of a box sealed to this node, or undefined when it is not one (any failure). */
  open(box: unknown): Uint8Array | undefined;
}
