/**
 * Builds the `MessageSecurity` a node's plugins get (`TOKENS.Security`): from its identity on a secure
 * node, plain protocol v1 under `--insecure`.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../base/clock.js";
import type { Envelope } from "../base/envelope.js";
import type { Limits } from "../kernel/config.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { MessageSecurity, SignedExtras } from "../kernel/message-security.js";
import { SequenceWindow } from "../kernel/sequence-window.js";
import type { Identity } from "../secure/identity.js";
import { isPeerId } from "../secure/peer-id.js";
import { openSealed, sealTo } from "../secure/sealed-box.js";
import { PublicKeyCache, SequenceCounter, signEnvelope, verifySignature, verifySignatureOffLoop } from "../secure/signing.js";
import type { UsableIdCheck } from "../secure/usable-ids.js";
import { NodeStateError } from "../base/errors.js";

/** The message security of a secure node with this identity; `isUsableId` is shared with its TLS channel. */
export function secureMessages(identity: Identity, clock: Clock, limits: Limits, isUsableId: UsableIdCheck): MessageSecurity {
  const keys = new PublicKeyCache();
  const counter = new SequenceCounter(clock);
  // Originators forgotten after twice the skew window: by then their old messages are stale by time.
  const window = new SequenceWindow(limits.seenCacheSize, { clock, idleMs: 2 * limits.maxClockSkewMs });
  const running = new Set<Promise<boolean>>();
  const verifiable = (envelope: Envelope): boolean => envelope.signature !== undefined && isUsableId(envelope.originator);
  return {
    secure: true,
    create<T>(type: string, msg: T, extras: SignedExtras = {}): Envelope<T> {
      return signEnvelope(identity, { msg_type: type, msg, time: clock.now(), seq: counter.next(), ...extras }) as Envelope<T>;
    },
    verify: (envelope) => verifiable(envelope) && verifySignature(envelope, keys),
    verifyOffLoop(envelope) {
      if (!verifiable(envelope)) return Promise.resolve(false);
      const verdict = verifySignatureOffLoop(envelope, keys);
      running.add(verdict);
      void verdict.then(() => running.delete(verdict));
      return verdict;
    },
    get verificationsRunning() {
      return running.size;
    },
    verificationsDone: async () => {
      while (running.size > 0) await Promise.all(running);
    },
    isNewSequence: (envelope) => envelope.seq !== undefined && window.accept(envelope.originator, envelope.seq),
    isKeyId: isUsableId,
    seal: sealTo,
    open: (box) => openSealed(identity, box),
  };
}

/** The message security of an `--insecure` node: protocol v1, nothing signed or sealed. */
export function plainMessages(self: LocalPeer): MessageSecurity {
  return {
    secure: false,
    create<T>(type: string, msg: T, extras: SignedExtras = {}): Envelope<T> {
      return self.envelope(type, msg, { id: randomUUID(), ...extras });
    },
    verify: (envelope) => envelope.signature === undefined,
    verifyOffLoop: (envelope) => Promise.resolve(envelope.signature === undefined),
    verificationsRunning: 0,
    verificationsDone: () => Promise.resolve(),
    isNewSequence: () => true,
    isKeyId: isPeerId,
    seal: () => {
      throw new NodeStateError("An --insecure node (protocol v1) encrypts nothing: one-to-one messages travel in plaintext.");
    },
    open: () => undefined,
  };
}
