/**
 * `FakePeer`: a remote peer simulated by a test, on the in-memory network of a `PluginHarness`. What
 * it sends is delivered to the node under test; what the node sends it is recorded. On a secure harness
 * it holds a key pair: it signs what it sends, opens what is sealed to it, and builds the tampered and
 * forged frames negative tests need.
 */
import type { Clock } from "../base/clock.js";
import type { Envelope } from "../base/envelope.js";
import type { PeerInfo } from "../base/peer.js";
import type { EnvelopeExtras } from "../kernel/message-context.js";
import type { Identity } from "../secure/identity.js";
import { openSealed, sealTo } from "../secure/sealed-box.js";
import { SequenceCounter, signEnvelope } from "../secure/signing.js";
import type { MemoryConnection } from "../transport/memory-connection.js";

/** What a signed message may set besides its type and payload. */
export interface SignedOptions {
  /** Destination peer id (one-to-one messages). */
  to?: string;
  /** Hops left (outside the signature). */
  ttl?: number;
  /** Creation time; default the harness clock's now. */
  time?: number;
  /** Sequence number; default this peer's next. */
  seq?: number;
}

/** A remote peer simulated by the test: what it sends is delivered to the node, what it receives is recorded. */
export class FakePeer {
  /** Every envelope the node sent to this peer, oldest first. */
  readonly received: Envelope[] = [];
  /** Why the connection closed, once it has. */
  closedReason: string | undefined;
  private readonly counter: SequenceCounter;

  constructor(
    /** The identity this peer claims (on a secure harness, the one its key proves). */
    readonly info: PeerInfo & { nick?: string },
    private readonly connection: MemoryConnection,
    private readonly clock: Clock,
    /** This peer's key pair, on a secure harness. */
    readonly identity?: Identity,
  ) {
    this.counter = new SequenceCounter(clock);
  }

  /** This peer's id. */
  get id(): string {
    return this.info.id;
  }

  /** Sends the node an envelope from this peer (`originator` is this peer unless `overrides` says otherwise). */
  deliver(type: string, msg: unknown, overrides: EnvelopeExtras & Partial<Envelope> = {}): void {
    this.connection.send({ msg_type: type, msg, originator: this.info.id, time: this.clock.now(), ...overrides });
  }

  /** Sends the node an envelope as it is (one built with `signed`, `tampered` or `forged`). */
  deliverEnvelope(envelope: Envelope): void {
    this.connection.send(envelope);
  }

  /** Sends the node arbitrary text as one frame (for malformed-frame tests). */
  deliverRaw(text: string): void {
    this.connection.sendRaw(text);
  }

  /** A message signed by this peer's key, as its node would originate it (secure harness only). */
  signed(type: string, msg: unknown, options: SignedOptions = {}): Envelope {
    const { time = this.clock.now(), seq = this.counter.next(), ...extras } = options;
    return signEnvelope(this.keyPair(), { msg_type: type, msg, time, seq, ...extras });
  }

  /** Signs and sends a message (secure harness only); returns what was sent. */
  deliverSigned(type: string, msg: unknown, options: SignedOptions = {}): Envelope {
    const envelope = this.signed(type, msg, options);
    this.deliverEnvelope(envelope);
    return envelope;
  }

  /**
   * A message that claims to come from `as` but is signed by this peer's key: the impersonation a
   * receiver must refuse.
   */
  forged(type: string, msg: unknown, as: string, options: SignedOptions = {}): Envelope {
    const own = this.signed(type, msg, options);
    const text = own.signature!.text.replace(JSON.stringify(this.id), JSON.stringify(as));
    return { ...own, originator: as, signature: { text, sig: own.signature!.sig } };
  }

  /** A copy of a signed message with one byte of its signed text changed: what a tampering relay sends. */
  tampered(envelope: Envelope): Envelope {
    const signature = envelope.signature;
    if (signature === undefined) throw new Error("tampered() needs a signed envelope (from signed() or the node's own frames).");
    const at = signature.text.lastIndexOf('"msg":') + 7;
    const flipped = signature.text.charCodeAt(at) === 0x61 ? "b" : "a";
    return { ...envelope, signature: { ...signature, text: signature.text.slice(0, at) + flipped + signature.text.slice(at + 1) } };
  }

  /** `plaintext` sealed to the peer `to`, as a DIRECT payload carries it (`{ box }`). */
  sealTo(to: string, value: unknown): { box: string } {
    return { box: sealTo(to, Buffer.from(JSON.stringify(value))) };
  }

  /** The JSON a box sealed to this peer holds, or undefined when it does not open. */
  open(box: unknown): unknown {
    const plaintext = openSealed(this.keyPair(), box);
    return plaintext === undefined ? undefined : JSON.parse(Buffer.from(plaintext).toString("utf8"));
  }

  /** The envelopes of one type the node sent to this peer. */
  receivedOf(type: string): Envelope[] {
    return this.received.filter((envelope) => envelope.msg_type === type);
  }

  /** Closes this peer's connection. */
  close(): void {
    this.connection.close("closed by the test");
  }

  /** True once the connection closed, from either side. */
  get closed(): boolean {
    return this.connection.closed;
  }

  private keyPair(): Identity {
    if (this.identity === undefined) throw new Error("This fake peer has no key pair: create the harness with { secure: true }.");
    return this.identity;
  }
}
